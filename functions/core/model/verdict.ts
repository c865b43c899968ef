/** What became of a run, from simwatch's point of view. */
export const VERDICTS = ["running", "passed", "failed", "errored", "cancelled"] as const;
export type Verdict = (typeof VERDICTS)[number];

export const VERDICT_EMOJI: Record<Verdict, string> = {
  running: ":hourglass_flowing_sand:",
  passed: ":white_check_mark:",
  failed: ":x:",
  errored: ":warning:",
  cancelled: ":no_entry_sign:",
};
