/**
 * The CI gate's decisions (`simwatch run <set>... --wait`, `simwatch wait <run>...`): how long
 * to wait, how long between looks, what each run comes to, the exit code and the JSON line.
 */
import type { Run } from "../model/amigo-model.js";
import type { GateRun } from "./junit.js";
import type { RunSummary } from "../summary/summary-model.js";

export const EXIT = { passed: 0, failed: 1, usage: 2, timeout: 3 } as const;

/** "90s", "45m", "2h", "1h30m" -> milliseconds; undefined when it is none of those. */
export function parseDuration(text: string): number | undefined {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!match || text.trim() === "") return undefined;
  const [hours, minutes, seconds] = [match[1], match[2], match[3]].map((part) => Number(part ?? 0));
  const ms = (((hours ?? 0) * 60 + (minutes ?? 0)) * 60 + (seconds ?? 0)) * 1000;
  return ms > 0 ? ms : undefined;
}

/** Between looks at the runs: 2 s at first, half as long again after each look, at most 30 s. */
export function nextLookMs(previousMs: number | undefined, bounds = { firstMs: 2_000, maxMs: 30_000 }): number {
  return previousMs === undefined ? bounds.firstMs : Math.min(bounds.maxMs, Math.round(previousMs * 1.5));
}

/** 3 when time ran out for any run; otherwise 0 when every run passed, 1 when any did not. */
export function gateExitCode(runs: readonly GateRun[]): number {
  if (runs.some((run) => run.timedOut)) return EXIT.timeout;
  return runs.every((run) => run.verdict === "passed") ? EXIT.passed : EXIT.failed;
}

/** Every unit test of a run with its name, in the run's order, and whether it has a result. */
export function unitTestsOf(run: Run, names: ReadonlyMap<string, string>): GateRun["unitTests"] {
  const withResult = new Set(run.unit_test_run_results.flatMap((result) => (result ? [result.unit_test_id] : [])));
  const ids = [...new Set([...run.unit_test_run_specs.map((spec) => spec.unit_test_id), ...withResult])];
  return ids.map((id) => ({ id, name: names.get(id) ?? id, finished: withResult.has(id) }));
}

/** One JSON object per run for `--json`: id, set, verdict, counts, failing unit tests. */
export function gateJson(run: GateRun): Record<string, unknown> {
  const summary: RunSummary | undefined = run.summary;
  return {
    id: run.runId,
    set: run.setName,
    setId: run.setId,
    verdict: run.timedOut ? "timed_out" : run.verdict,
    counts: {
      unitTests: summary?.unitTests ?? null,
      metricEvaluations: summary?.metricEvaluations ?? null,
      runErrors: summary?.runErrors.length ?? 0,
    },
    failingUnitTests: (summary?.failingUnitTests ?? []).map((test) => ({
      name: test.name,
      unitTestId: test.unitTestId,
      failingMetrics: test.failingMetrics,
      runErrors: test.runErrors,
    })),
    seconds: run.seconds,
  };
}
