/**
 * The archiver's progress on one run's artifact file, kept in state between deliveries
 * (stateKeys.artifactCopy): how many deliveries failed to fetch it, so an artifact that cannot
 * be fetched (404, larger than ARCHIVE_MAX_BYTES, a refused link) is given up on after
 * MAX_FETCH_TRIES instead of being asked for until the poller's give-up age.
 */
import { stateKeys } from "../idempotency/state-keys.js";
import { updateState } from "../idempotency/state-update.js";
import type { StateStore } from "../ports.js";

/** Deliveries that fail to fetch the artifact file before the archiver marks it failed. */
export const MAX_FETCH_TRIES = 5;

export interface ArtifactCopy {
  version: 1;
  /** Deliveries in a row that failed to fetch the file and stored nothing new. */
  failedTries: number;
  /** Why the last one failed (never the link: it carries its signature). */
  lastError?: string;
}

export async function readArtifactCopy(state: StateStore, runId: string): Promise<ArtifactCopy | undefined> {
  return (await state.get<ArtifactCopy>(stateKeys.artifactCopy(runId)))?.value;
}

/** Counts one more failed delivery; returns how many there have been in a row. */
export async function countFailedTry(state: StateStore, runId: string, reason: string): Promise<number> {
  const { value } = await updateState<ArtifactCopy>(state, stateKeys.artifactCopy(runId), (current) => ({
    ...(current ?? { version: 1 }),
    version: 1,
    failedTries: (current?.failedTries ?? 0) + 1,
    lastError: reason,
  }));
  return value?.failedTries ?? 1;
}
