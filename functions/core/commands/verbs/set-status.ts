/**
 * How sets have been doing, for `/sim status <set>` (one set's last 10 finished runs, its
 * pass-rate sparkline, its flaky tests and what is running now) and `/sim status` (one line
 * per set that ran in the last 7 days). Read-only; a handful of Amigo calls, never one per run.
 */
import type { Run } from "../../model/amigo-model.js";
import type { CachedSet } from "../set-list.js";
import { take } from "../../util/async-items.js";
import { cancelledRuns } from "../../summary/cancel-requests.js";
import { type ChatMessage, type Line, notice, say } from "../../chat.js";
import { flakyTests, flakyWhy, HISTORY_RUNS, historyFilter, sparkline, trendChange, trendOf } from "../../summary/run-history.js";
import { verdictOf } from "../../summary/summary.js";
import { VERDICT_EMOJI } from "../../model/verdict.js";
import type { CommandContext } from "./context.js";
import { originOf, startedBy } from "./run-lines.js";
import { setTagLines } from "./set-tags.js";

/** `/sim status` looks back this far, reads at most this many runs, and lists at most this many sets. */
const RECENT_DAYS = 7;
const RECENT_RUNS_READ = 200;
const RECENT_SETS_SHOWN = 20;

/** Unit-test names for the flaky ones only (one look-up, none when nothing is flaky). */
async function unitTestNames(ctx: CommandContext, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const tests = await ctx.deps.amigo.listUnitTests(ids).catch(() => []);
  return new Map(tests.map((test) => [test.id, test.name]));
}

async function runningLines(ctx: CommandContext, running: readonly Run[]): Promise<Line[]> {
  if (running.length === 0) return [["Nothing is running now."]];
  return Promise.all(
    running.map(async (run): Promise<Line> => ["Running now: ", `${VERDICT_EMOJI.running} `, { code: run.id }, ", started ", { time: run.created_at }, " ", ...startedBy(run, await originOf(ctx.deps.state, run.id))]),
  );
}

/** `/sim status <set>`: the last 10 finished runs as verdicts, the sparkline, flaky tests, what runs now. */
export async function setStatus(ctx: CommandContext, set: CachedSet): Promise<ChatMessage> {
  const { amigo, state } = ctx.deps;
  const [finished, running] = await Promise.all([
    take(amigo.listRuns(historyFilter(set.id)), HISTORY_RUNS),
    take(amigo.listRuns({ simulation_unit_test_set_id: [set.id], is_completed: false, sort_by: ["-created_at"], limit: 5 }), 5),
  ]);
  const tagLines = await setTagLines(ctx, set);
  if (finished.length + running.length === 0) return notice("info", [[{ bold: set.name }, " has no runs yet."], ...tagLines]);
  const oldestFirst = [...finished].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
  const cancelled = await cancelledRuns(state, oldestFirst);
  const lines: Line[] = [];
  if (oldestFirst.length > 0) {
    lines.push(oldestFirst.flatMap((run, index): Line => [index > 0 ? "  " : "", `${VERDICT_EMOJI[verdictOf(run, cancelled.has(run.id))]} `, { code: run.id }]));
  }
  const trend = trendOf(oldestFirst);
  if (trend.points.length > 0) lines.push(["Unit tests passed: ", sparkline(trend.points), "  ", trendChange(trend)]);
  const latest = oldestFirst.at(-1);
  const flakyIds = latest ? flakyTests(latest, oldestFirst, (id) => id) : [];
  const names = await unitTestNames(ctx, flakyIds.map((test) => test.unitTestId));
  const flaky = flakyIds.map((test) => ({ ...test, name: names.get(test.unitTestId) ?? test.unitTestId }));
  lines.push(flaky.length > 0 ? ["Flaky: ", ...flaky.flatMap((test, index): Line => [index > 0 ? ", " : "", { bold: test.name }, ` (${flakyWhy(test)})`])] : ["No flaky unit tests."]);
  lines.push(...(await runningLines(ctx, running)), ...tagLines);
  const title = oldestFirst.length > 0 ? `${set.name}: the last ${oldestFirst.length} finished run${oldestFirst.length === 1 ? "" : "s"}, oldest first` : set.name;
  return notice("info", lines, { title });
}

/** The runs of each set, newest first, sets in the order of their newest run. */
function bySet(runs: readonly Run[]): Map<string, Run[]> {
  const sets = new Map<string, Run[]>();
  for (const run of runs) sets.set(run.simulation_unit_test_set_id, [...(sets.get(run.simulation_unit_test_set_id) ?? []), run]);
  return sets;
}

/** `/sim status`: one line per set that ran in the last 7 days: latest verdict, sparkline, when. */
export async function recentSets(ctx: CommandContext): Promise<ChatMessage> {
  const { amigo, state } = ctx.deps;
  const since = new Date(ctx.now().getTime() - RECENT_DAYS * 86_400_000);
  const runs = await take(amigo.listRuns({ created_after: since, sort_by: ["-created_at"] }), RECENT_RUNS_READ);
  if (runs.length === 0) return say("info", [`No set ran in the last ${RECENT_DAYS} days.`]);
  const sets = [...bySet(runs)].slice(0, RECENT_SETS_SHOWN);
  const [found, cancelled] = await Promise.all([amigo.listSets(sets.map(([setId]) => setId)).catch(() => []), cancelledRuns(state, runs)]);
  const names = new Map(found.map((set) => [set.id, set.name]));
  const lines = sets.map(([setId, setRuns]): Line => {
    const latest = setRuns[0] as Run;
    const verdict = verdictOf(latest, cancelled.has(latest.id));
    const finished = setRuns.filter((run) => run.is_completed).slice(0, HISTORY_RUNS).reverse();
    const bars = sparkline(trendOf(finished).points);
    return [`${VERDICT_EMOJI[verdict]} `, { bold: names.get(setId) ?? setId }, bars ? `  ${bars}` : "", `  latest ${verdict}, started `, { time: latest.created_at }];
  });
  const cut = runs.length >= RECENT_RUNS_READ ? ` (from the latest ${RECENT_RUNS_READ} runs)` : "";
  return notice("info", lines, { title: `Sets that ran in the last ${RECENT_DAYS} days, newest first${cut}` });
}
