/** Whether a unit test, and each of its repetitions, passed in a run (pure). */
import type { Run, UnitTestRunResult } from "./amigo-model.js";

/** A unit test passes when none of its runs errored and every metric evaluation passed. */
export function unitTestPassed(result: UnitTestRunResult): boolean {
  return (
    result.run_errors.every((error) => error === null) &&
    result.metric_evaluation_results.every((evaluation) => evaluation.results.every(([, passed]) => passed))
  );
}

export type RepetitionOutcome = "passed" | "failed" | "errored";

/**
 * What became of each repetition: errored, failed (a metric failed on it) or passed. An
 * evaluation list as long as the repetitions is read position by position; a shorter one
 * (Amigo evaluates only repetitions that did not error) belongs to those, in order.
 */
export function repetitionOutcomes(result: UnitTestRunResult): RepetitionOutcome[] {
  const outcomes = repetitionSlots(result).errored.map((errored): RepetitionOutcome => (errored ? "errored" : "passed"));
  for (const metric of metricOutcomes(result)) {
    metric.outcomes.forEach((outcome, repetition) => {
      if (outcome === "failed" && outcomes[repetition] === "passed") outcomes[repetition] = "failed";
    });
  }
  return outcomes;
}

/** Which repetitions there are and which errored. */
function repetitionSlots(result: UnitTestRunResult): { errored: boolean[]; clean: number[] } {
  const evaluated = result.metric_evaluation_results.reduce((most, evaluation) => Math.max(most, evaluation.results.length), 0);
  const count = Math.max(result.run_errors.length, evaluated);
  const errored = Array.from({ length: count }, (_, index) => (result.run_errors[index] ?? null) !== null);
  return { errored, clean: errored.flatMap((isError, index) => (isError ? [] : [index])) };
}

/** One metric's outcome on each repetition: passed, failed, errored (the repetition), or none (not evaluated). */
export type MetricOutcome = "passed" | "failed" | "errored" | "none";

/**
 * Each metric's outcome per repetition. An evaluation list as long as the repetitions is read
 * position by position; a shorter one (Amigo evaluates only repetitions that did not error)
 * belongs to those, in order.
 */
export function metricOutcomes(result: UnitTestRunResult): { metricId: string; outcomes: MetricOutcome[] }[] {
  const { errored, clean } = repetitionSlots(result);
  return result.metric_evaluation_results.map((evaluation) => {
    const outcomes = errored.map((isError): MetricOutcome => (isError ? "errored" : "none"));
    evaluation.results.forEach(([, passed], position) => {
      const repetition = evaluation.results.length === errored.length ? position : clean[position];
      if (repetition !== undefined) outcomes[repetition] = passed ? "passed" : "failed";
    });
    return { metricId: evaluation.metric_id, outcomes };
  });
}

export function resultsOf(run: Run): UnitTestRunResult[] {
  return run.unit_test_run_results.filter((result): result is UnitTestRunResult => result !== null);
}

/** Unit tests that passed, of how many the run has; undefined when Amigo withheld them. */
export function unitTestCounts(run: Run): { passed: number; total: number } | undefined {
  const total = Math.max(run.unit_test_run_specs.length, run.unit_test_run_results.length);
  if (total === 0) return undefined;
  return { passed: resultsOf(run).filter(unitTestPassed).length, total };
}
