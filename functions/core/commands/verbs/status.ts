/**
 * `/sim status [<run>|<set>]` and `/sim list [<set>] [--failed]`: read-only, nothing recorded.
 * A run shows as its message; a set as its dashboard; nothing as the sets of the last 7 days.
 */
import { type ChatMessage, notice, say } from "../../chat.js";
import { isObjectId } from "../../model/object-id.js";
import { buildRunCard, type RunFacts } from "../../notifier/run-card.js";
import { loadFacts } from "../../notifier/run-messages.js";
import { summarizeRuns } from "../../summary/run-summaries.js";
import { verdictOf } from "../../summary/summary.js";
import type { CommandContext } from "./context.js";
import { originOf, runLines, take } from "./run-lines.js";
import { lookUpSet } from "./set-lookup.js";
import { recentSets, setStatus } from "./set-status.js";

export async function status(ctx: CommandContext, target: string | undefined): Promise<ChatMessage> {
  if (target === undefined) return recentSets(ctx);
  if (isObjectId(target)) {
    const card = await runCardOf(ctx, target);
    if (card) return card;
  }
  const lookup = await lookUpSet(ctx, target);
  if (!lookup.ok) return isObjectId(target) ? say("warning", ["There is no run or set with id ", { code: target }, "."]) : lookup.reply;
  return setStatus(ctx, lookup.set);
}

/**
 * One run as its message shows it: from the facts the notifier keeps once its summary is
 * complete (no Amigo call, however many results the judge gave), else rendered fresh from Amigo
 * within the command's deadline (reasons that do not fit are said to be missing, never waited for).
 */
async function runCardOf(ctx: CommandContext, runId: string): Promise<ChatMessage | undefined> {
  const { amigo, state } = ctx.deps;
  const kept = (await loadFacts(state, runId))?.facts;
  if (kept?.summary && kept.verdict !== "running" && !kept.summary.awaiting?.length) return { kind: "run", card: buildRunCard(kept) };
  const [run] = await amigo.getRuns([runId]);
  if (!run) return undefined;
  const [summary] = await summarizeRuns(amigo, state, [run], { log: ctx.deps.log });
  const origin = await originOf(state, run.id);
  const facts: RunFacts = {
    runId: run.id,
    setId: run.simulation_unit_test_set_id,
    verdict: summary?.verdict ?? verdictOf(run),
    createdAt: run.created_at,
    creator: run.creator,
    ...(summary ? { summary, setName: summary.setName } : {}),
    ...(origin ? { origin } : {}),
  };
  return { kind: "run", card: buildRunCard(facts) };
}

export async function list(ctx: CommandContext, setQuery: string | undefined, failedOnly: boolean): Promise<ChatMessage> {
  const { amigo, state } = ctx.deps;
  let set: { id: string; name: string } | undefined;
  if (setQuery !== undefined) {
    const lookup = await lookUpSet(ctx, setQuery);
    if (!lookup.ok) return lookup.reply;
    set = lookup.set;
  }
  const filter = { sort_by: ["-created_at" as const], limit: 10, ...(set ? { simulation_unit_test_set_id: [set.id] } : {}), ...(failedOnly ? { failed_metrics: true } : {}) };
  const runs = await take(amigo.listRuns(filter), 10);
  const what = `${failedOnly ? "failed " : ""}runs${set ? ` of ${set.name}` : ""}`;
  if (runs.length === 0) return say("info", [`No ${what} yet.`]);
  return notice("info", await runLines(amigo, state, runs), { title: `Latest ${what}` });
}
