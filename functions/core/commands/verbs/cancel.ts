/**
 * `/sim cancel <run>`: the request is recorded before Amigo is asked (so the poller, seeing
 * the run stop, waits for the answer instead of calling it failed), and resolved by Amigo's
 * answer: only a 204 makes the run's verdict "cancelled".
 */
import { NotFound, RunNotInProgress } from "../../model/amigo-errors.js";
import { type ChatMessage, say } from "../../chat.js";
import { cancelRequestsOf, recordCancelRequest, resolveCancelRequest, statusOf } from "../../summary/cancel-requests.js";
import { lookUpNames } from "../../summary/run-summaries.js";
import { verdictOf } from "../../summary/summary.js";
import { VERDICT_EMOJI } from "../../model/verdict.js";
import type { CommandContext } from "./context.js";

export async function cancelRun(ctx: CommandContext, runId: string): Promise<ChatMessage> {
  const { deps, detail } = ctx;
  const at = () => ctx.now().toISOString();
  // An earlier attempt that recorded the request may have reached Amigo before it died.
  const earlier = ctx.recorded<{ at: string }>("cancel-requested");
  await ctx.step("cancel-requested", async () => {
    await recordCancelRequest(deps.state, runId, { by: detail.userId, channelId: detail.channelId, requestId: detail.requestId, at: at() });
    return { at: at() };
  });
  try {
    await deps.amigo.cancelRun(runId);
  } catch (error) {
    if (error instanceof NotFound) {
      await resolveCancelRequest(deps.state, runId, "refused", at());
      return say("warning", ["There is no run with id ", { code: runId }, "."]);
    }
    if (error instanceof RunNotInProgress) {
      await resolveCancelRequest(deps.state, runId, earlier ? "unknown" : "refused", at());
      return alreadyFinished(ctx, runId);
    }
    throw error;
  }
  await resolveCancelRequest(deps.state, runId, "cancelled", at());
  deps.log.info("command.cancel.accepted", { runId, userId: detail.userId });
  return say("success", ["Amigo accepted the cancel of run ", { code: runId }, ". Its message will say “cancelled” once the run stops."]);
}

async function alreadyFinished(ctx: CommandContext, runId: string): Promise<ChatMessage> {
  const [run] = await ctx.deps.amigo.getRuns([runId]);
  if (!run) return say("info", ["Run ", { code: runId }, " has already finished."]);
  const request = (await cancelRequestsOf(ctx.deps.state, [run])).get(runId);
  const verdict = verdictOf(run, request !== undefined && statusOf(request) === "cancelled");
  const names = await lookUpNames(ctx.deps.amigo, [run]);
  const setName = names.sets.get(run.simulation_unit_test_set_id) ?? run.simulation_unit_test_set_id;
  return say("info", ["Run ", { code: runId }, " of ", { bold: setName }, ` has already finished: ${VERDICT_EMOJI[verdict]} ${verdict}.`]);
}
