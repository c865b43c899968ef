/**
 * A run summary too large for an event lives in the state store at
 * stateKeys.runSummary(runId); the event carries that key as `summaryRef`.
 */
import type { StateStore } from "../core/ports.js";
import { stateKeys } from "../core/idempotency/state-keys.js";
import type { RunSummary } from "../core/summary/summary-model.js";
import { canonicalJson } from "./canonical-json.js";

export type StoreOutcome = "created" | "unchanged" | "replaced";

/**
 * Stores `summary` for `runId` and returns its key. Storing the same summary again (a retried
 * publish) changes nothing. A different summary already there (recomputed by a later poll)
 * is replaced, conditionally on the version read, so the key always matches the newest event.
 */
export async function storeRunSummary(
  state: StateStore,
  runId: string,
  summary: RunSummary,
  attempts = 3,
): Promise<{ key: string; outcome: StoreOutcome }> {
  const key = stateKeys.runSummary(runId);
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (await state.create(key, summary)) return { key, outcome: "created" };
    const existing = await state.get<RunSummary>(key);
    if (existing === undefined) continue; // deleted in between: create again
    if (canonicalJson(existing.value) === canonicalJson(summary)) return { key, outcome: "unchanged" };
    if (await state.replace(key, summary, existing.etag)) return { key, outcome: "replaced" };
  }
  throw new Error(`Could not store run ${runId}'s summary at ${key}: it kept changing underneath (${attempts} attempts)`);
}
