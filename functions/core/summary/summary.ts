/**
 * A run's verdict and summary, from the run as Amigo returns it plus what only simwatch
 * knows (names, whether it cancelled the run, when it saw it finish, the previous run).
 */
import type { MetricEvaluationResult, MetricToEvaluate, Run, SuccessCriterion, UnitTestRunResult } from "../model/amigo-model.js";
import { type JudgeResults, reasonsFor, resultsById } from "./judge-reasons.js";
import { flakyTests, historyWindow, trendOf } from "./run-history.js";
import type { FailingMetric, FailingUnitTest, RunDiff, RunErrorEntry, RunSummary, Tag } from "./summary-model.js";
import { unitTestCounts, unitTestPassed } from "../model/unit-test-outcome.js";
import type { Verdict } from "../model/verdict.js";

export { unitTestPassed } from "../model/unit-test-outcome.js";

/** What the diff needs to remember of a set's previous finished run. */
export interface PreviousRunOutcome {
  runId: string;
  createdAt: string;
  /** Unit tests present in that run (so "fixed" only names tests that ran both times). */
  unitTestIds: string[];
  failingUnitTestIds: string[];
}

export interface SummaryContext {
  setName?: string;
  unitTestNames?: ReadonlyMap<string, string>;
  /** The set's tags and its unit tests' (by id), from the same look-ups as the names. */
  setTags?: readonly Tag[];
  unitTestTags?: ReadonlyMap<string, readonly Tag[]>;
  cancelledBySimwatch?: boolean;
  /** When simwatch first saw the run completed (ISO). */
  finishedAt?: string;
  /**
   * The set's last finished run as simwatch remembered it: the diff's baseline only when no history
   * was read (with a history, the baseline is the run before this one in it, as for the trend).
   */
  previous?: PreviousRunOutcome;
  /** Set when simwatch stopped watching the run before it finished or was archived. */
  gaveUpAfterHours?: number;
  /** The judge's metric evaluation results for the run (read only for runs with a failing evaluation). */
  judge?: JudgeResults;
  /** The set's last finished runs as Amigo listed them (any order), for the trend and flaky tests. */
  history?: readonly Run[];
}

export function verdictOf(run: Run, cancelledBySimwatch = false): Verdict {
  if (!run.is_completed) return "running";
  if (cancelledBySimwatch) return "cancelled";
  if (run.errored) return "errored";
  if (run.failed_metrics) return "failed";
  return "passed";
}

export function describeCriterion(criterion: SuccessCriterion): string {
  switch (criterion.type) {
    case "boolean":
      return `is ${criterion.expected_value}`;
    case "numerical":
      return `${criterion.verb} ${criterion.threshold}`;
    case "categorical":
      return criterion.expected_values.length === 1
        ? `is ${criterion.expected_values[0]}`
        : `is one of ${criterion.expected_values.join(", ")}`;
  }
}

function failingMetricsOf(
  result: UnitTestRunResult,
  metrics: readonly MetricToEvaluate[],
  judged: ReadonlyMap<string, MetricEvaluationResult> | undefined,
): FailingMetric[] {
  const failing: FailingMetric[] = [];
  for (const evaluation of result.metric_evaluation_results) {
    const failedRuns = evaluation.results.filter(([, passed]) => !passed).length;
    if (failedRuns === 0) continue;
    const spec = metrics.find((metric) => metric.metric_id === evaluation.metric_id);
    failing.push({
      metricId: evaluation.metric_id,
      criterionName: spec?.success_criterion_name ?? evaluation.metric_id,
      ...(spec ? { criterion: describeCriterion(spec.success_criterion), successCriterion: spec.success_criterion } : {}),
      failedRuns,
      evaluatedRuns: evaluation.results.length,
      ...(judged ? { reasons: reasonsFor(evaluation, judged) } : {}),
    });
  }
  return failing;
}

/** Ids of the unit tests that ran (have a result) and did not pass. */
export function failingUnitTestIds(run: Run): string[] {
  return run.unit_test_run_results.flatMap((result) => (result && !unitTestPassed(result) ? [result.unit_test_id] : []));
}

export function previousOutcomeOf(run: Run): PreviousRunOutcome {
  return {
    runId: run.id,
    createdAt: run.created_at,
    unitTestIds: run.unit_test_run_results.flatMap((result) => (result ? [result.unit_test_id] : [])),
    failingUnitTestIds: failingUnitTestIds(run),
  };
}

/** What changed, by name; flaky unit tests are left out (they are listed apart, as noise). */
function diffAgainst(run: Run, previous: PreviousRunOutcome, nameOf: (id: string) => string, flaky: ReadonlySet<string>): RunDiff {
  const failingNow = new Set(failingUnitTestIds(run).filter((id) => !flaky.has(id)));
  const ranNow = new Set(run.unit_test_run_results.flatMap((result) => (result && !flaky.has(result.unit_test_id) ? [result.unit_test_id] : [])));
  const failingBefore = new Set(previous.failingUnitTestIds.filter((id) => !flaky.has(id)));
  const names = (ids: Iterable<string>) => [...ids].map(nameOf).sort((a, b) => a.localeCompare(b));
  return {
    previousRunId: previous.runId,
    newlyFailing: names([...failingNow].filter((id) => !failingBefore.has(id))),
    fixed: names([...failingBefore].filter((id) => ranNow.has(id) && !failingNow.has(id))),
    stillFailing: names([...failingNow].filter((id) => failingBefore.has(id))),
  };
}

/** Counts, run errors and the failing unit tests (by name, with the judge's reasons where known). */
function tally(
  run: Run,
  results: readonly UnitTestRunResult[],
  nameOf: (id: string) => string,
  judged: ReadonlyMap<string, MetricEvaluationResult> | undefined,
  tagsOf: (id: string) => readonly Tag[] | undefined = () => undefined,
) {
  const specs = new Map(run.unit_test_run_specs.map((spec) => [spec.unit_test_id, spec]));
  const runErrors: RunErrorEntry[] = [];
  const failingUnitTests: FailingUnitTest[] = [];
  let unitTestsPassed = 0;
  let evaluationsPassed = 0;
  let evaluationsTotal = 0;
  for (const result of results) {
    const name = nameOf(result.unit_test_id);
    const errors = result.run_errors.filter((error): error is string => error !== null);
    for (const message of errors) runErrors.push({ unitTestId: result.unit_test_id, unitTestName: name, message });
    for (const evaluation of result.metric_evaluation_results) {
      evaluationsTotal += evaluation.results.length;
      evaluationsPassed += evaluation.results.filter(([, passed]) => passed).length;
    }
    if (unitTestPassed(result)) {
      unitTestsPassed++;
      continue;
    }
    const spec = specs.get(result.unit_test_id);
    const tags = tagsOf(result.unit_test_id);
    failingUnitTests.push({
      unitTestId: result.unit_test_id,
      name,
      ...(spec ? { repetitions: spec.run_count } : {}),
      failingMetrics: failingMetricsOf(result, spec?.metrics_to_evaluate ?? [], judged),
      runErrors: errors,
      ...(tags && tags.length > 0 ? { tags: [...tags] } : {}),
    });
  }
  failingUnitTests.sort((a, b) => a.name.localeCompare(b.name));
  return { runErrors, failingUnitTests, unitTestsPassed, evaluationsPassed, evaluationsTotal };
}

/**
 * The run "Since the previous run" compares with. With the set's history read, the one before
 * `run` in the window the trend is drawn from (its previous point), so the diff and the trend
 * never disagree about whether there was an earlier run; without a history, the set's last
 * finished run simwatch remembered, when it is older than `run`.
 */
export function baselineOf(run: Run, window: readonly Run[] | undefined, remembered: PreviousRunOutcome | undefined): PreviousRunOutcome | undefined {
  if (window) {
    const before = window.filter((other) => other.id !== run.id && unitTestCounts(other) !== undefined).at(-1);
    return before ? previousOutcomeOf(before) : undefined;
  }
  if (!remembered || remembered.runId === run.id) return undefined;
  return Date.parse(remembered.createdAt) < Date.parse(run.created_at) ? remembered : undefined;
}

/** The flaky tests (marked on the failing ones too) and the trend of a finished run over its window; returns the flaky ids. */
function addHowTheSetIsDoing(summary: RunSummary, run: Run, window: readonly Run[] | undefined, nameOf: (id: string) => string): Set<string> {
  const flaky = flakyTests(run, window, nameOf);
  const flakyIds = new Set(flaky.map((test) => test.unitTestId));
  for (const test of summary.failingUnitTests) if (flakyIds.has(test.unitTestId)) test.flaky = true;
  if (flaky.length > 0) summary.flaky = flaky;
  const trend = window ? trendOf(window) : undefined;
  if (trend && trend.points.length > 0) summary.trend = trend;
  return flakyIds;
}

/** The names Amigo gave the run's unit tests, by id; undefined when none was read. */
function unitTestNamesOf(run: Run, names: ReadonlyMap<string, string> | undefined): Record<string, string> | undefined {
  if (!names || names.size === 0) return undefined;
  const ids = [...run.unit_test_run_specs.map((spec) => spec.unit_test_id), ...run.unit_test_run_results.flatMap((result) => (result ? [result.unit_test_id] : []))];
  const named = Object.fromEntries(ids.flatMap((id) => (names.has(id) ? [[id, names.get(id) as string]] : [])));
  return Object.keys(named).length > 0 ? named : undefined;
}

export function summarizeRun(run: Run, context: SummaryContext = {}): RunSummary {
  const nameOf = (unitTestId: string) => context.unitTestNames?.get(unitTestId) ?? unitTestId;
  const verdict = verdictOf(run, context.cancelledBySimwatch);
  const results = run.unit_test_run_results.filter((result): result is UnitTestRunResult => result !== null);
  const detailsWithheld = run.unit_test_run_specs.length === 0 && run.unit_test_run_results.length === 0;
  const notes: string[] = [];

  const tagsOf = (unitTestId: string) => context.unitTestTags?.get(unitTestId);
  const { runErrors, failingUnitTests, unitTestsPassed, evaluationsPassed, evaluationsTotal } = tally(run, results, nameOf, resultsById(context.judge), tagsOf);

  const unitTestTotal = Math.max(run.unit_test_run_specs.length, run.unit_test_run_results.length);
  const pending = unitTestTotal - results.length;
  const summary: RunSummary = {
    runId: run.id,
    setId: run.simulation_unit_test_set_id,
    setName: context.setName ?? run.simulation_unit_test_set_id,
    ...(context.setTags && context.setTags.length > 0 ? { tags: [...context.setTags] } : {}),
    verdict,
    createdAt: run.created_at,
    creator: run.creator,
    runErrors,
    failingUnitTests,
    notes,
  };
  const named = unitTestNamesOf(run, context.unitTestNames);
  if (named) summary.unitTestNames = named;
  if (!detailsWithheld) {
    summary.unitTests = { passed: unitTestsPassed, total: unitTestTotal, ...(pending > 0 ? { pending } : {}) };
    summary.metricEvaluations = { passed: evaluationsPassed, total: evaluationsTotal };
  } else {
    notes.push("Amigo withheld this run's unit-test details (the API key lacks Simulation:GetSimulationUnitTestSet), so only the verdict is known.");
  }
  if (!detailsWithheld && run.unit_test_run_specs.some((spec) => spec.metrics_to_evaluate.length === 0) && failingUnitTests.some((test) => test.failingMetrics.some((metric) => metric.criterion === undefined))) {
    notes.push("Success criteria are not visible to this API key (Simulation:GetSimulationUnitTest), so failing metrics are shown by id.");
  }
  if (verdict === "errored" && runErrors.length === 0) notes.push("Amigo marked the run as errored without an error message.");
  if (verdict === "failed" && failingUnitTests.length === 0 && !detailsWithheld) {
    notes.push("Amigo marked the run as failing metrics, but no failing evaluation is visible to this API key.");
  }
  if (context.finishedAt && verdict !== "running") {
    summary.finishedAt = context.finishedAt;
    const seconds = Math.round((Date.parse(context.finishedAt) - Date.parse(run.created_at)) / 1000);
    if (Number.isFinite(seconds) && seconds >= 0) summary.durationSeconds = seconds;
  }
  if (verdict !== "running") {
    const window = context.history ? historyWindow(run, context.history) : undefined;
    const flakyIds = addHowTheSetIsDoing(summary, run, window, nameOf);
    const baseline = baselineOf(run, window, context.previous);
    if (baseline) summary.diff = diffAgainst(run, baseline, nameOf, flakyIds);
  }
  notes.push(...judgeNotes(context.judge, failingUnitTests));
  if (context.gaveUpAfterHours !== undefined) {
    notes.push(
      verdict === "running"
        ? `simwatch stopped watching this run after ${context.gaveUpAfterHours} hours; it was still running.`
        : `simwatch gave up waiting for this run's artifacts after ${context.gaveUpAfterHours} hours; they were not archived.`,
    );
  }
  return summary;
}

/** What a reader must know about the judge's reasons: that they could not be read, or are missing. */
function judgeNotes(judge: JudgeResults | undefined, failing: readonly FailingUnitTest[]): string[] {
  if (!judge) return [];
  if ("unavailable" in judge) return [judge.unavailable];
  const missing = failing.some((test) => test.failingMetrics.some((metric) => (metric.reasons?.length ?? 0) < metric.failedRuns));
  return missing ? ["Amigo has no judge's score or reason for some failing evaluations yet."] : [];
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}
