/**
 * A large artifact file copied part by part into a resumable upload (ports.ResumableUploads),
 * its progress saved in state after every part: the upload's id, the parts' tags and the bytes
 * stored. A process killed at any point loses at most the part it was reading and the one it
 * was storing; the next attempt or delivery asks for the bytes from the last stored part on
 * (HTTP Range). The sha256 is node:crypto's over the bytes as they pass when the copy ran from
 * byte 0; a copy that resumed cannot restore that hash's state (node:crypto saves none, and a
 * hash that can be saved, in WebAssembly, cut the archiver's rate to a third), so its sha256 is
 * left to be read back from the finished file (artifact-stream.ts).
 *
 * One part is stored while the next is read. At each part boundary the copy stops, its progress
 * saved, when the deadline leaves no room for two more parts (the one being stored and one more)
 * and the finishing work (`deferred`): the next delivery continues from there.
 */
import { createHash } from "node:crypto";
import type { ResumableUploads, StateStore } from "../ports.js";
import type { Deadline } from "../util/deadline.js";
import { saveUpload, type UploadProgress } from "./artifact-copy.js";

/** Time kept back after the copy stops for completing the upload and writing run.json, summary.md and the marker. */
export const FINISH_MARGIN_MS = 10_000;

export interface PartCopy {
  uploads: ResumableUploads;
  state: StateStore;
  runId: string;
  deadline: Deadline;
  nowMs?: () => number;
}

export type PartCopyResult =
  /** `sha256` when the copy ran from byte 0 (a resumed one hashed only its own bytes). */
  | { status: "complete"; upload: UploadProgress; size: number; sha256?: string }
  | { status: "deferred"; upload: UploadProgress };

/** Copies `body` (the file from `upload.storedBytes` on) into the upload, part by part. */
export async function copyParts(copy: PartCopy, start: UploadProgress, body: AsyncIterable<Uint8Array>): Promise<PartCopyResult> {
  const nowMs = copy.nowMs ?? Date.now;
  const hasher = createHash("sha256");
  const fromStart = start.storedBytes === 0;
  let upload = start;
  let inFlight: Promise<void> = Promise.resolve();
  let next = { number: start.tags.length + 1, offset: start.storedBytes };
  let lastBoundaryMs = nowMs();
  let cycleMs = 0;

  /** Hands one part to the store once the previous one is saved; resolves when the previous one is. */
  const store = async (bytes: Uint8Array) => {
    hasher.update(bytes);
    const part = { ...next, bytes };
    next = { number: next.number + 1, offset: next.offset + bytes.byteLength };
    const previous = inFlight;
    inFlight = previous.then(async () => {
      const uploadId = upload.uploadId ?? (await copy.uploads.begin(upload.key, upload.contentType));
      const tag = await copy.uploads.putPart(upload.key, uploadId, part);
      upload = { ...upload, uploadId, tags: [...upload.tags, tag], storedBytes: part.offset + bytes.byteLength };
      await saveUpload(copy.state, copy.runId, upload);
    });
    // Keep a failure from going unhandled while the caller reads the next part; it is awaited below.
    inFlight.catch(() => undefined);
    await previous;
  };

  const reader = partsOf(body, upload.partBytes);
  try {
    for (let result = await reader.next(); result.done !== true; result = await reader.next()) {
      await store(result.value);
      const now = nowMs();
      cycleMs = Math.max(cycleMs, now - lastBoundaryMs);
      lastBoundaryMs = now;
      if (copy.deadline.remainingMs() < 2 * cycleMs + FINISH_MARGIN_MS) {
        await reader.return(undefined);
        await inFlight;
        return { status: "deferred", upload };
      }
    }
    await inFlight;
  } catch (error) {
    // The part being stored is saved (or failed) before the next attempt reads the progress.
    await inFlight.catch(() => undefined);
    throw error;
  }
  return { status: "complete", upload, size: upload.storedBytes, ...(fromStart ? { sha256: hasher.digest("hex") } : {}) };
}

/** The body in parts of `partBytes` (the last one shorter), copied out of the socket's chunks. */
async function* partsOf(body: AsyncIterable<Uint8Array>, partBytes: number): AsyncGenerator<Uint8Array> {
  let buffer = Buffer.allocUnsafe(partBytes);
  let filled = 0;
  for await (const chunk of body) {
    let offset = 0;
    while (offset < chunk.byteLength) {
      const count = Math.min(chunk.byteLength - offset, partBytes - filled);
      buffer.set(chunk.subarray(offset, offset + count), filled);
      filled += count;
      offset += count;
      if (filled === partBytes) {
        yield buffer;
        buffer = Buffer.allocUnsafe(partBytes);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield buffer.subarray(0, filled);
}
