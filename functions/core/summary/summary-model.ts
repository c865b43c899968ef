import type { SuccessCriterion, UserInfo } from "../model/amigo-model.js";
import type { Verdict } from "../model/verdict.js";

/** What the judge gave on one failing repetition, and why (Amigo's metric evaluation result). */
export interface FailureReason {
  /** Amigo's id of the metric evaluation result, by which the full justification is found again. */
  evaluationId?: string;
  /** Which repetition of the unit test, 0-based (Amigo's `run_index`). */
  runIndex: number;
  /** The judge's value as Amigo returned it: a score, a category, true or false; null when it gave none. */
  value: number | boolean | string | null;
  /**
   * The judge's justification, cut to what a message can show (JUSTIFICATION_KEPT characters) in
   * the summary that travels on the bus; in full in the archive (summary.md, the report).
   */
  justification: string;
}

/** A key/value label of a set or unit test in Amigo (`slack-channel`, `owner`, ...), as Amigo lists it. */
export interface Tag {
  key: string;
  value: string | null;
}

/** One metric of one unit test that did not pass. */
export interface FailingMetric {
  metricId: string;
  /** The success criterion's name from `metrics_to_evaluate`, or the metric id when unknown. */
  criterionName: string;
  /** The criterion in words, e.g. "score >= 4" or "is true"; undefined when unknown. */
  criterion?: string;
  /** The criterion as Amigo states it, to say how far a value missed it; undefined when unknown. */
  successCriterion?: SuccessCriterion;
  /** How many of the unit test's runs failed this metric, of how many evaluated. */
  failedRuns: number;
  evaluatedRuns: number;
  /** The judge's value and justification for each failing repetition, when Amigo let simwatch read them. */
  reasons?: FailureReason[];
}

export interface FailingUnitTest {
  unitTestId: string;
  /** Resolved name, or the id when no name is available. */
  name: string;
  /** How many times the run repeats the unit test (its spec's run_count), when known. */
  repetitions?: number;
  failingMetrics: FailingMetric[];
  /** Error messages of the unit test's runs that errored. */
  runErrors: string[];
  /** Set when the unit test is flaky (see FlakyTest): its failure may be noise. */
  flaky?: boolean;
  /** The unit test's Amigo tags (its `owner` is mentioned next to it when it fails), when it has any. */
  tags?: Tag[];
}

/**
 * A unit test that passes and fails without a change: in this run some repetitions passed and
 * others failed, or its outcome changed at least twice over the set's last 10 finished runs.
 */
export interface FlakyTest {
  unitTestId: string;
  name: string;
  /** Whether it failed in this run. */
  failing: boolean;
  /** This run's repetitions: how many failed, of how many. */
  withinRun?: { failed: number; repetitions: number };
  /** How often its outcome changed over the set's last finished runs, and over how many runs. */
  acrossRuns?: { changes: number; runs: number };
}

/** One finished run of the set, for the pass-rate trend. */
export interface TrendPoint {
  runId: string;
  createdAt: string;
  /** Unit tests that passed, of how many. */
  passed: number;
  total: number;
}

/** The set's unit-test pass rate over its last finished runs, oldest first, this run last. */
export interface Trend {
  points: TrendPoint[];
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

/** What changed since the previous finished run of the same set (by unit-test name; flaky tests are listed apart). */
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
  /** The set's Amigo tags (`slack-channel` routes the run, `owner` is mentioned on failure), when it has any. */
  tags?: Tag[];
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
  /**
   * Every unit test of the run by id, with the name Amigo gave it (the poller reads them anyway):
   * the archive's report names passing tests too. Left out of what messages keep.
   */
  unitTestNames?: Record<string, string>;
  diff?: RunDiff;
  /** Flaky unit tests (failing or not in this run), kept apart from the diff's newly failing and fixed. */
  flaky?: FlakyTest[];
  /** Unit-test pass rate over the set's last 10 finished runs (from Amigo), when known. */
  trend?: Trend;
  /** Caveats a reader must see, e.g. a permission-thinned run or simwatch giving up. */
  notes: string[];
  /**
   * What the poller is still reading from Amigo for this summary (the verdict goes out first): the
   * judge's reasons, the set's trend (and with it what changed since the previous run, read from
   * the same history). A later Run Finished carries the summary without it.
   */
  awaiting?: SummaryPart[];
}

/** The parts of a summary read after the verdict, within Amigo's limits. */
export type SummaryPart = "reasons" | "trend";
