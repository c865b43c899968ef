/** For consumers: a "Run Finished" detail with its summary loaded back when it travelled by reference. */
import type { RunFinishedDetail } from "../core/events.js";
import type { StateStore } from "../core/ports.js";
import type { RunSummary } from "../core/summary/summary-model.js";
import { stateKeys } from "../core/idempotency/state-keys.js";
import { EventDecodeError, SummaryMissingError } from "./errors.js";
import { loadRunSummary } from "./summary-store.js";

export type ResolvedRunFinished = Omit<RunFinishedDetail, "summary" | "summaryRef"> & { summary?: RunSummary };

/**
 * Returns the detail with `summary` inline and no `summaryRef`. A reference must be the run's
 * own summary key (anything else on the bus could otherwise read arbitrary state): otherwise
 * EventDecodeError. Throws SummaryMissingError
 * when the reference points at nothing (a retry later will not help: the poller stores the
 * summary before it publishes the event).
 */
export async function resolveRunFinished(detail: RunFinishedDetail, state: StateStore): Promise<ResolvedRunFinished> {
  const { summaryRef, ...rest } = detail;
  if (rest.summary !== undefined || summaryRef === undefined) return rest;
  const expected = stateKeys.runSummary(detail.runId);
  if (summaryRef !== expected) throw new EventDecodeError([`detail.summaryRef: expected "${expected}", got "${summaryRef}"`]);
  const summary = await loadRunSummary(state, summaryRef);
  if (summary === undefined) throw new SummaryMissingError(detail.runId, summaryRef);
  return { ...rest, summary };
}
