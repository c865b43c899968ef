/**
 * How the set has been doing: its last finished runs as Amigo lists them (one call per set:
 * completed, newest first, limit 10), turned into the unit-test pass-rate trend and the unit
 * tests whose outcome keeps changing (flaky), so a failure can be told from noise.
 */
import type { Run } from "../model/amigo-model.js";
import { take } from "../util/async-items.js";
import { mapConcurrent } from "../util/concurrency.js";
import { errorFields, type Logger, silentLogger } from "../log.js";
import type { AmigoApi } from "../ports.js";
import type { FlakyTest, Trend, TrendPoint } from "./summary-model.js";
import { repetitionOutcomes, resultsOf, unitTestCounts, unitTestPassed } from "../model/unit-test-outcome.js";

/** How many finished runs the trend and the flaky check look back over. */
export const HISTORY_RUNS = 10;
/** A unit test whose outcome changed this often over those runs is flaky. */
const FLAKY_CHANGES = 2;
const READ_CONCURRENCY = 4;
const BARS = "▁▂▃▄▅▆▇█";

/** The listing of a set's last finished runs: one request (one page of HISTORY_RUNS). */
export function historyFilter(setId: string) {
  return { simulation_unit_test_set_id: [setId], is_completed: true, sort_by: ["-created_at" as const], limit: HISTORY_RUNS };
}

/** Each set's last finished runs, newest first; a set whose listing fails is left out (logged), never guessed. */
export async function readSetHistories(amigo: AmigoApi, setIds: readonly string[], log: Logger = silentLogger): Promise<Map<string, Run[]>> {
  const unique = [...new Set(setIds)];
  const read = await mapConcurrent(unique, READ_CONCURRENCY, async (setId) => {
    try {
      return await take(amigo.listRuns(historyFilter(setId)), HISTORY_RUNS);
    } catch (error) {
      log.warn("summary.history_unavailable", { setId, ...errorFields(error) });
      return undefined;
    }
  });
  const histories = new Map<string, Run[]>();
  unique.forEach((setId, index) => {
    const runs = read[index];
    if (runs) histories.set(setId, runs);
  });
  return histories;
}

/** The set's finished runs up to and including `run`, oldest first, at most HISTORY_RUNS. */
export function historyWindow(run: Run, history: readonly Run[]): Run[] {
  const created = Date.parse(run.created_at);
  const earlier = history.filter((other) => other.id !== run.id && other.is_completed && Date.parse(other.created_at) <= created);
  const sorted = earlier.sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id.localeCompare(b.id));
  return [...sorted, run].slice(-HISTORY_RUNS);
}

export function trendOf(window: readonly Run[]): Trend {
  const points: TrendPoint[] = window.flatMap((run) => {
    const counts = unitTestCounts(run);
    return counts ? [{ runId: run.id, createdAt: run.created_at, ...counts }] : [];
  });
  return { points };
}

/** One bar per run, oldest first: ▁ none of the unit tests passed … █ all of them. */
export function sparkline(points: readonly Pick<TrendPoint, "passed" | "total">[]): string {
  return points.map((point) => BARS[Math.round((point.total > 0 ? point.passed / point.total : 0) * (BARS.length - 1))]).join("");
}

/** "2 of 3, down from 3 of 3": this run against the previous finished run. */
export function trendChange(trend: Trend): string {
  const current = trend.points.at(-1);
  const previous = trend.points.length >= 2 ? trend.points.at(-2) : undefined;
  if (!current) return "";
  const now = `${current.passed} of ${current.total}`;
  if (!previous) return `${now}, no earlier finished run to compare with`;
  const before = `${previous.passed} of ${previous.total}`;
  const rate = (point: TrendPoint) => point.passed / Math.max(1, point.total);
  if (rate(current) < rate(previous)) return `${now}, down from ${before}`;
  if (rate(current) > rate(previous)) return `${now}, up from ${before}`;
  return now === before ? `${now}, as in the previous run` : `${now}, the same rate as the previous run's ${before}`;
}

/** How often each unit test's outcome changed over the window (only runs it has a result in count). */
function outcomeChanges(window: readonly Run[]): Map<string, { changes: number; runs: number }> {
  const seen = new Map<string, { last: boolean; changes: number; runs: number }>();
  for (const run of window) {
    for (const result of resultsOf(run)) {
      const passed = unitTestPassed(result);
      const entry = seen.get(result.unit_test_id);
      if (!entry) seen.set(result.unit_test_id, { last: passed, changes: 0, runs: 1 });
      else seen.set(result.unit_test_id, { last: passed, changes: entry.changes + (entry.last === passed ? 0 : 1), runs: entry.runs + 1 });
    }
  }
  return new Map([...seen].map(([id, { changes, runs }]) => [id, { changes, runs }]));
}

/**
 * The unit tests of `run` that are flaky: of the repetitions the judge evaluated (not those
 * that errored) some passed and others failed, or (given the set's window) the outcome changed
 * at least twice over it.
 */
export function flakyTests(run: Run, window: readonly Run[] | undefined, nameOf: (unitTestId: string) => string): FlakyTest[] {
  const changes = window ? outcomeChanges(window) : new Map<string, { changes: number; runs: number }>();
  const flaky: FlakyTest[] = [];
  for (const result of resultsOf(run)) {
    const judged = repetitionOutcomes(result).filter((outcome) => outcome !== "errored");
    const failed = judged.filter((outcome) => outcome === "failed").length;
    const withinRun = failed > 0 && failed < judged.length ? { failed, repetitions: judged.length } : undefined;
    const across = changes.get(result.unit_test_id);
    const acrossRuns = across && across.changes >= FLAKY_CHANGES ? across : undefined;
    if (!withinRun && !acrossRuns) continue;
    flaky.push({
      unitTestId: result.unit_test_id,
      name: nameOf(result.unit_test_id),
      failing: !unitTestPassed(result),
      ...(withinRun ? { withinRun } : {}),
      ...(acrossRuns ? { acrossRuns } : {}),
    });
  }
  return flaky.sort((a, b) => a.name.localeCompare(b.name));
}

/** Why a test is called flaky, in words: "1 of 2 repetitions failed; outcome changed 3 times in 10 runs". */
export function flakyWhy(test: FlakyTest): string {
  const parts: string[] = [];
  if (test.withinRun) parts.push(`${test.withinRun.failed} of ${test.withinRun.repetitions} repetitions failed`);
  if (test.acrossRuns) parts.push(`outcome changed ${test.acrossRuns.changes} times in ${test.acrossRuns.runs} runs`);
  return parts.join("; ");
}
