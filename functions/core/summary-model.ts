import type { UserInfo } from "./amigo-model.js";
import type { Verdict } from "./verdict.js";

/** One metric of one unit test that did not pass. */
export interface FailingMetric {
  metricId: string;
  /** The success criterion's name from `metrics_to_evaluate`, or the metric id when unknown. */
  criterionName: string;
  /** The criterion in words, e.g. "score >= 4" or "is true"; undefined when unknown. */
  criterion?: string;
  /** How many of the unit test's runs failed this metric, of how many evaluated. */
  failedRuns: number;
  evaluatedRuns: number;
}

export interface FailingUnitTest {
  unitTestId: string;
  /** Resolved name, or the id when no name is available. */
  name: string;
  failingMetrics: FailingMetric[];
  /** Error messages of the unit test's runs that errored. */
  runErrors: string[];
}

export interface RunErrorEntry {
  unitTestId: string;
  unitTestName: string;
  message: string;
}

export interface Counts {
  passed: number;
  total: number;
  /** Still running (a running run's unit tests that have no result yet). */
  pending?: number;
}

/** What changed since the previous finished run of the same set (by unit-test name). */
export interface RunDiff {
  previousRunId: string;
  newlyFailing: string[];
  fixed: string[];
  stillFailing: string[];
}

/** Everything a person wants to know about a run; rendered for Slack, markdown and the terminal. */
export interface RunSummary {
  runId: string;
  setId: string;
  /** Resolved set name, or the set id when unknown. */
  setName: string;
  verdict: Verdict;
  createdAt: string;
  /** When simwatch first saw the run completed (Amigo publishes no completion time). */
  finishedAt?: string;
  durationSeconds?: number;
  creator: UserInfo;
  /** Undefined when Amigo withheld the unit-test details (permission-thinned run). */
  unitTests?: Counts;
  metricEvaluations?: Counts;
  runErrors: RunErrorEntry[];
  failingUnitTests: FailingUnitTest[];
  diff?: RunDiff;
  /** Caveats a reader must see, e.g. a permission-thinned run or simwatch giving up. */
  notes: string[];
}
