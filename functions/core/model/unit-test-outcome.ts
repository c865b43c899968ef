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
  const evaluated = result.metric_evaluation_results.reduce((most, evaluation) => Math.max(most, evaluation.results.length), 0);
  const count = Math.max(result.run_errors.length, evaluated);
  const outcomes = Array.from({ length: count }, (_, index): RepetitionOutcome => ((result.run_errors[index] ?? null) !== null ? "errored" : "passed"));
  const clean = outcomes.flatMap((outcome, index) => (outcome === "errored" ? [] : [index]));
  for (const evaluation of result.metric_evaluation_results) {
    evaluation.results.forEach(([, passed], position) => {
      const repetition = evaluation.results.length === count ? position : clean[position];
      if (!passed && repetition !== undefined && outcomes[repetition] === "passed") outcomes[repetition] = "failed";
    });
  }
  return outcomes;
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
