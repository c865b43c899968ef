/**
 * The archiver's progress on one run's artifact file, kept in state between deliveries
 * (stateKeys.artifactCopy): how many deliveries failed to fetch it, so an artifact that cannot
 * be fetched (404, larger than ARCHIVE_MAX_BYTES, a refused link) is given up on after
 * MAX_FETCH_TRIES instead of being asked for until the poller's give-up age; and the upload
 * under way, so a large file is resumed from its last stored part (HTTP Range) by the next
 * attempt or delivery instead of starting over (core/archiver/part-copy.ts).
 */
import { stateKeys } from "../idempotency/state-keys.js";
import { updateState } from "../idempotency/state-update.js";
import type { StateStore } from "../ports.js";

/** The upload saved in state no longer exists (aborted, expired): the copy starts again from byte 0. */
export class UploadGone extends Error {
  override readonly name = "UploadGone";
}

/** Deliveries that fail to fetch the artifact file before the archiver marks it failed. */
export const MAX_FETCH_TRIES = 5;

export interface ArtifactCopy {
  version: 1;
  /** Deliveries in a row that failed to fetch the file and stored nothing new. */
  failedTries: number;
  /** Why the last one failed (never the link: it carries its signature). */
  lastError?: string;
  /** The resumable upload under way (or completed, not yet recorded as archived). */
  upload?: UploadProgress;
}

export interface UploadProgress {
  key: string;
  contentType: string;
  /** The store's id for the upload; absent until its first part is stored. */
  uploadId?: string;
  /** The file's size, when the server said. */
  totalBytes?: number;
  /** The first answer's ETag: later requests send it as If-Range, so a changed file is copied afresh. */
  etag?: string;
  /** Bytes of every part but the last. */
  partBytes: number;
  /** The stored parts' tags, part 1 first. */
  tags: string[];
  /** Bytes stored in those parts: where the next request's Range starts. */
  storedBytes: number;
  /** Set once the store made the file from the parts; `sha256` once known (a resumed copy reads the file back for it). */
  completed?: { size: number; sha256?: string };
}

/** Saves the upload's progress (undefined: none any more); a delivery that stores a part has not failed. */
export async function saveUpload(state: StateStore, runId: string, upload: UploadProgress | undefined): Promise<void> {
  await updateState<ArtifactCopy>(state, stateKeys.artifactCopy(runId), (current) => {
    const { upload: _previous, ...rest } = current ?? { version: 1 as const, failedTries: 0 };
    return { ...rest, version: 1, failedTries: upload ? 0 : rest.failedTries, ...(upload ? { upload } : {}) };
  });
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
