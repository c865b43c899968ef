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
 * Up to PARTS_IN_FLIGHT parts are stored at once while the next is read; progress moves on in
 * part order, so what state says is stored always is, from byte 0 on, and saves that fall behind
 * fold into one. At each part boundary the
 * copy stops, its progress saved, when the deadline leaves no room for the parts in flight, one
 * more and the finishing work (`deferred`): the next delivery continues from there.
 */
import { createHash } from "node:crypto";
import type { ResumableUploads, StateStore } from "../ports.js";
import type { Deadline } from "../util/deadline.js";
import { saveUpload, type UploadProgress } from "./artifact-copy.js";

/** Parts being stored at once while the next is read (memory: this many parts, plus the one being read). */
export const PARTS_IN_FLIGHT = 4;

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
  let next = { number: start.tags.length + 1, offset: start.storedBytes };
  let begun: Promise<string> | undefined;
  /** Moves `upload` on in part order as the parts are stored. */
  let ordered: Promise<void> = Promise.resolve();
  /**
   * Saves of the progress, one after another, each saving the latest (a no-op when nothing is
   * newer): while a save is slower than a part, later parts' saves fold into one.
   */
  let saving: Promise<void> = Promise.resolve();
  let savedUpTo = start.storedBytes;
  const flush = () => {
    saving = saving.then(async () => {
      const latest = upload;
      if (latest.storedBytes <= savedUpTo) return;
      await saveUpload(copy.state, copy.runId, latest);
      savedUpTo = latest.storedBytes;
    });
    saving.catch(() => undefined);
    return saving;
  };
  const window: Promise<unknown>[] = [];
  let lastBoundaryMs = nowMs();
  let cycleMs = 0;

  /** Sends one part (up to PARTS_IN_FLIGHT at once); resolves when there is room for the next. */
  const store = async (bytes: Uint8Array) => {
    hasher.update(bytes);
    const part = { ...next, bytes };
    next = { number: next.number + 1, offset: next.offset + bytes.byteLength };
    begun ??= upload.uploadId !== undefined ? Promise.resolve(upload.uploadId) : copy.uploads.begin(upload.key, upload.contentType);
    const put = begun.then(async (uploadId) => ({ uploadId, tag: await copy.uploads.putPart(upload.key, uploadId, part) }));
    // Failures are awaited below; keep them from going unhandled meanwhile.
    put.catch(() => undefined);
    ordered = ordered.then(async () => {
      const { uploadId, tag } = await put;
      upload = { ...upload, uploadId, tags: [...upload.tags, tag], storedBytes: part.offset + bytes.byteLength };
      void flush();
    });
    ordered.catch(() => undefined);
    window.push(put);
    if (window.length >= PARTS_IN_FLIGHT) await window.shift();
  };
  /** Every part handed over is stored and its progress saved. */
  const settle = async () => {
    await ordered;
    await flush();
  };

  const reader = partsOf(body, upload.partBytes);
  try {
    for (let result = await reader.next(); result.done !== true; result = await reader.next()) {
      await store(result.value);
      const now = nowMs();
      cycleMs = Math.max(cycleMs, now - lastBoundaryMs);
      lastBoundaryMs = now;
      if (copy.deadline.remainingMs() < (PARTS_IN_FLIGHT + 1) * cycleMs + FINISH_MARGIN_MS) {
        await reader.return(undefined);
        await settle();
        return { status: "deferred", upload };
      }
    }
    await settle();
  } catch (error) {
    // What was stored before the failure is saved before the next attempt reads the progress.
    await ordered.catch(() => undefined);
    await flush().catch(() => undefined);
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
