/** How a simulated run turns out: configured per set, captured when a run starts. */

export interface FailingMetric {
  /** Unit test id or name. */
  unitTest: string;
  /** Metric id or name; omitted = every metric of the unit test fails. */
  metric?: string;
  /** Run indexes that fail; omitted = every run. */
  runs?: readonly number[];
}

export interface UnitTestError {
  /** Unit test id or name. */
  unitTest: string;
  /** Written into every `run_errors` entry of that unit test. */
  message: string;
}

export interface RunOutcome {
  /** From creation until the last unit test finishes; unit tests finish evenly spread over it. */
  durationMs: number;
  failing: readonly FailingMetric[];
  /** The run stops (is_completed, errored) when the first erroring unit test finishes. */
  errors: readonly UnitTestError[];
  /** Artifacts become available this long after completion; null = never. */
  artifactsDelayMs: number | null;
  /** Size of the artifacts file. */
  artifactBytes: number;
  /** When set, every justification the judge gives is this long (its words repeated), for volume tests. */
  justificationChars?: number;
}

export const DEFAULT_OUTCOME: RunOutcome = {
  durationMs: 20_000,
  failing: [],
  errors: [],
  artifactsDelayMs: 2_000,
  artifactBytes: 64 * 1024,
};

export function withDefaults(base: RunOutcome, override: Partial<RunOutcome> | undefined): RunOutcome {
  return { ...base, ...override };
}
