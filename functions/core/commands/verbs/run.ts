/**
 * `/sim run <set>`: create the run, remember where it was asked for, announce it in the
 * channel (that announcement is the run's message there). Creating is the one step that
 * cannot be repeated: the intent is recorded before Amigo's create and the run id after, so
 * a redelivery never creates a second run, and one that finds Amigo's 409 after a lost
 * answer adopts the run its earlier attempt created: one created after the command's intent
 * and claimed by no other command (the run's origin names the command that started it).
 */
import type { Run } from "../../model/amigo-model.js";
import type { CachedSet } from "../set-list.js";
import { ActiveRunExists, NotFound } from "../../model/amigo-errors.js";
import { cannotPostIn, type ChatMessage, notice, type RunAction, say } from "../../chat.js";
import type { SlackOrigin } from "../../events.js";
import { errorFields } from "../../log.js";
import { buildRunCard } from "../../notifier/run-card.js";
import { ensureRunMessage, updateFacts } from "../../notifier/run-messages.js";
import { stateKeys } from "../../idempotency/state-keys.js";
import { updateState } from "../../idempotency/state-update.js";
import type { CommandContext, VerbResult } from "./context.js";
import { originOf, startedBy, take } from "./run-lines.js";
import { lookUpSet } from "./set-lookup.js";

/** Amigo's created_at and our clock may disagree a little when adopting a run. */
const CLOCK_SKEW_MS = 2 * 60_000;

/** `blockedBy`: the set's unfinished run that kept Amigo from starting another (its 409). `adopted`: found after a 409, not created. */
type Created = { runId: string; adopted?: true } | { reply: ChatMessage; blockedBy?: string };

export async function startRun(ctx: CommandContext, query: string): Promise<VerbResult> {
  const { deps, detail } = ctx;
  const lookup = await lookUpSet(ctx, query);
  if (!lookup.ok) return { reply: lookup.reply };
  const { set } = lookup;
  const created = await ctx.step<Created>("create-run", () => createOnce(ctx, set));
  if ("reply" in created) return created;
  const { runId } = created;
  const origin: SlackOrigin = {
    channelId: detail.channelId,
    userId: detail.userId,
    ...(detail.teamId ? { teamId: detail.teamId } : {}),
    ...(detail.schedule ? { scheduled: detail.schedule.description } : {}),
    requestId: detail.requestId,
  };
  if (!(await claimRun(ctx, runId, origin, created.adopted === true))) {
    // Another command started the run this one guessed was its own: it is that command's, not ours.
    const [run] = await deps.amigo.getRuns([runId]);
    return { reply: await activeRunReply(ctx, set, run), blockedBy: runId };
  }
  const { facts } = await updateFacts(deps.state, {
    runId,
    setId: set.id,
    setName: set.name,
    createdAt: ctx.now().toISOString(),
    ...(deps.amigoUser ? { creator: deps.amigoUser } : {}),
    origin,
  });
  try {
    const placed = await ensureRunMessage(deps.posting, runId, detail.channelId, () => ({ kind: "run", card: buildRunCard(facts) }));
    if (placed.status !== "given_up") await recordThread(ctx, runId, set.id, placed.ref.ts);
  } catch (error) {
    if (!cannotPostIn(error)) throw error;
    deps.log.warn("command.run.announce_failed", { runId, channelId: detail.channelId, ...errorFields(error) });
    return {
      runId,
      reply: notice("success", [
        ["Started run ", { code: runId }, " of ", { bold: set.name }, "."],
        ["simwatch cannot post in this channel, so its summary will not appear here. Invite the app to the channel, or ", { code: `${deps.commandWord} subscribe` }, " another one."],
      ]),
    };
  }
  return { runId, reply: say("success", ["Started run ", { code: runId }, " of ", { bold: set.name }, ". Its message in this channel will show the result."]) };
}

async function createOnce(ctx: CommandContext, set: CachedSet): Promise<Created> {
  const { deps } = ctx;
  // Recorded before the call: a redelivery that meets a 409 knows its earlier attempt may have created the run.
  const earlier = ctx.recorded<{ at: string }>("create-intent");
  const intent = earlier ?? (await ctx.step("create-intent", async () => ({ at: ctx.now().toISOString() })));
  try {
    const { runId } = await deps.amigo.createRun(set.id);
    deps.log.info("command.run.created", { runId, setId: set.id, userId: ctx.detail.userId });
    return { runId };
  } catch (error) {
    if (error instanceof NotFound) return { reply: say("warning", ["Amigo no longer knows the set ", { code: set.id }, "."]) };
    if (!(error instanceof ActiveRunExists)) throw error;
    const active = await unfinishedRunOf(ctx, set);
    if (active && earlier && Date.parse(active.created_at) >= Date.parse(intent.at) - CLOCK_SKEW_MS && !(await claimedByAnother(ctx, active.id))) {
      deps.log.warn("command.run.adopted", { runId: active.id, setId: set.id, requestId: ctx.detail.requestId });
      return { runId: active.id, adopted: true };
    }
    return { reply: await activeRunReply(ctx, set, active), ...(active ? { blockedBy: active.id } : {}) };
  }
}

/** Whether the run's origin names another command (or none: an origin from before commands were named). */
async function claimedByAnother(ctx: CommandContext, runId: string): Promise<boolean> {
  const origin = (await ctx.deps.state.get<SlackOrigin>(stateKeys.runOrigin(runId)))?.value;
  return origin !== undefined && origin.requestId !== ctx.detail.requestId;
}

/**
 * Writes the run's origin, naming this command. A command that created the run owns it, even
 * over one that adopted it a moment before; one that adopted it owns it only if nobody else does.
 */
async function claimRun(ctx: CommandContext, runId: string, origin: SlackOrigin, adopted: boolean): Promise<boolean> {
  const saved = await updateState<SlackOrigin>(ctx.deps.state, stateKeys.runOrigin(runId), (current) =>
    current === undefined || (!adopted && current.requestId !== origin.requestId) ? origin : undefined,
  );
  return saved.value?.requestId === origin.requestId;
}

async function unfinishedRunOf(ctx: CommandContext, set: CachedSet): Promise<Run | undefined> {
  const { amigoUser } = ctx.deps;
  const creator = amigoUser ? { creator: [`${amigoUser.org_id},${amigoUser.user_id}`] } : {};
  const [run] = await take(ctx.deps.amigo.listRuns({ simulation_unit_test_set_id: [set.id], is_completed: false, sort_by: ["-created_at"], limit: 5, ...creator }), 1);
  return run;
}

/** Remembers the announcement as the run's thread, so the poller's events carry it. */
async function recordThread(ctx: CommandContext, runId: string, setId: string, threadTs: string): Promise<void> {
  const saved = await updateState<SlackOrigin>(ctx.deps.state, stateKeys.runOrigin(runId), (current) =>
    current && current.threadTs !== threadTs ? { ...current, threadTs } : undefined,
  );
  if (saved.written && saved.value) await updateFacts(ctx.deps.state, { runId, setId, origin: saved.value });
}

async function activeRunReply(ctx: CommandContext, set: CachedSet, run: Run | undefined): Promise<ChatMessage> {
  if (!run) {
    return say("warning", ["Amigo says there is already an unfinished run of ", { bold: set.name }, ", but simwatch cannot find it. Try again in a minute."]);
  }
  const origin = await originOf(ctx.deps.state, run.id);
  const actions: RunAction[] = [{ kind: "cancel", runId: run.id, label: "Cancel that run" }];
  return notice(
    "warning",
    [
      ["A run of ", { bold: set.name }, " is already unfinished: ", { code: run.id }, ", started ", { time: run.created_at }, " ", ...startedBy(run, origin), "."],
      ["Amigo allows one unfinished run of a set per user, and simwatch starts every run as the same Amigo user. Cancel that run first, or wait for it to finish."],
    ],
    { actions },
  );
}
