/**
 * The artifact file from Amigo's presigned URL into the archive, byte for byte, its size and
 * sha256 measured on the way. A file that fits in one part goes in one write (putStream); a
 * larger one (or one of unknown size) is copied part by part into a resumable upload whose
 * progress is kept in state (part-copy.ts), so a later attempt, or the next delivery after a
 * kill or the archiver's deadline, asks for the bytes from the last stored part on (HTTP Range
 * with If-Range on the first answer's ETag) instead of starting over. A server that answers a
 * Range with the whole file (200), or a changed file, starts the copy afresh. A copy that
 * resumed reads the finished file back once for its sha256 (part-copy.ts says why).
 *
 * A URL that has expired (before or during the download) is replaced by a fresh one. A refused
 * link, a file too large or gone (ArchiveFailed) ends the delivery and throws the upload away.
 */
import { createHash } from "node:crypto";
import type { Run } from "../model/amigo-model.js";
import { errorFields, type Logger } from "../log.js";
import { archiveKeys } from "../idempotency/state-keys.js";
import type { AmigoApi, ArchiveStore, ArtifactDownloader, Clock, ResumableUploads, StateStore } from "../ports.js";
import { type Deadline, NO_DEADLINE } from "../util/deadline.js";
import { artifactExtension } from "./archive-layout.js";
import { ArchiveFailed, ArtifactLinkExpired, ArtifactTruncated } from "./archive-errors.js";
import { readArtifactCopy, saveUpload, UploadGone, type UploadProgress } from "./artifact-copy.js";
import { copyParts, FINISH_MARGIN_MS } from "./part-copy.js";

export interface StreamOptions {
  amigo: AmigoApi;
  archive: ArchiveStore;
  state: StateStore;
  download: ArtifactDownloader;
  clock: Clock;
  logger: Logger;
  archivePrefix: string;
  maxAttempts?: number;
  signal?: AbortSignal;
  deadline?: Deadline;
}

export type Streamed =
  | { status: "stored"; key: string; contentType: string; size: number; sha256: string; attempts: number }
  | { status: "deferred"; storedBytes: number; totalBytes?: number; attempts: number };

type Opened = Awaited<ReturnType<ArtifactDownloader["open"]>>;

export async function streamArtifacts(options: StreamOptions, run: Run): Promise<Streamed> {
  const { amigo, state, logger } = options;
  const deadline = options.deadline ?? NO_DEADLINE;
  const maxAttempts = options.maxAttempts ?? 5;
  let upload = (await readArtifactCopy(state, run.id))?.upload;
  if (upload?.completed) {
    // Killed after the file was made, before the run was recorded archived.
    if (await options.archive.exists(upload.key)) {
      const measured = await measureOnce(options, run.id, upload, upload.completed);
      return { status: "stored", key: upload.key, contentType: upload.contentType, ...measured, attempts: 0 };
    }
    upload = await discard(options, run.id, upload);
  }
  let lastError: unknown;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    options.signal?.throwIfAborted();
    if (deadline.remainingMs() < FINISH_MARGIN_MS * 2) return deferred(upload, attempt - 1);
    const link = await amigo.getArtifactsLink(run.id);
    try {
      const from = upload?.storedBytes ?? 0;
      const range = upload && from > 0 ? { from, ...(upload.etag ? { ifRange: upload.etag } : {}) } : undefined;
      const response = await options.download.open(link.presigned_url, options.signal, range);
      checkStatus(response, link.url_expires_at, options.clock);
      if (upload && range && !resumes(response, upload)) {
        logger.warn("archiver.restart", { runId: run.id, reason: response.status === 200 ? "the server sent the whole file" : "the file changed", storedBytes: from });
        upload = await discard(options, run.id, upload);
      }
      if (!upload && response.status === 206) throw new Error("the artifacts URL answered HTTP 206 to a request for the whole file");
      const key = upload?.key ?? archiveKeys.artifacts(options.archivePrefix, run.simulation_unit_test_set_id, run.id, artifactExtension(response.contentType, link.presigned_url));
      const contentType = upload?.contentType ?? response.contentType ?? "application/octet-stream";
      const uploads = options.archive.uploads;
      const total = response.contentRange?.total ?? response.contentLength;
      if (!upload && (!uploads || (total !== undefined && total <= uploads.partBytes(total)))) {
        return { status: "stored", key, contentType, ...(await putWhole(options, key, contentType, response)), attempts: attempt };
      }
      upload ??= fresh(key, contentType, response, uploads!.partBytes(total));
      const copied = await copyParts({ uploads: uploads!, state, runId: run.id, deadline }, upload, response.body);
      upload = copied.upload;
      if (copied.status === "deferred") return deferred(upload, attempt);
      return { status: "stored", key, contentType, ...(await complete(options, uploads!, run.id, copied)), attempts: attempt };
    } catch (error) {
      if (options.signal?.aborted) throw error;
      lastError = error;
      logger.warn("archiver.retry", { runId: run.id, attempt, ...errorFields(error) });
      if (error instanceof ArchiveFailed) {
        if (upload) await discard(options, run.id, upload);
        throw error;
      }
      upload = error instanceof UploadGone ? await discard(options, run.id, upload) : (await readArtifactCopy(state, run.id))?.upload;
    }
  }
  throw new ArchiveFailed(`could not archive run ${run.id} after ${maxAttempts} attempts: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
}

/** Expired or refused links ask for a fresh one; a 404 means the file is gone. */
function checkStatus(response: Opened, urlExpiresAt: string, clock: Clock): void {
  // The URL's own answer decides whether it expired, not our clock against url_expires_at:
  // a skewed clock must not make us refuse a good link (or trust a dead one).
  if (response.status === 403 || response.status === 400 || response.status === 401) {
    const expired = Date.parse(urlExpiresAt) <= clock.now().getTime() ? " (its url_expires_at has passed)" : "";
    throw new ArtifactLinkExpired(`the artifacts URL answered HTTP ${response.status}${expired}`);
  }
  if (response.status === 404) throw new ArchiveFailed("the artifacts URL answered HTTP 404: the file is gone");
  if (response.status !== 200 && response.status !== 206) throw new Error(`the artifacts URL answered HTTP ${response.status}`);
}

/** A 206 from exactly the stored bytes of the same file. */
function resumes(response: Opened, upload: UploadProgress): boolean {
  const range = response.contentRange;
  if (response.status !== 206 || !range || range.start !== upload.storedBytes) return false;
  return upload.totalBytes === undefined || range.total === undefined || range.total === upload.totalBytes;
}

function fresh(key: string, contentType: string, response: Opened, partBytes: number): UploadProgress {
  const totalBytes = response.contentRange?.total ?? response.contentLength;
  return { key, contentType, partBytes, tags: [], storedBytes: 0, ...(totalBytes !== undefined ? { totalBytes } : {}), ...(response.etag ? { etag: response.etag } : {}) };
}

/** Throws the upload away (best effort) and forgets it; the copy starts from byte 0. */
async function discard(options: StreamOptions, runId: string, upload: UploadProgress | undefined): Promise<undefined> {
  if (upload?.uploadId && options.archive.uploads) {
    await options.archive.uploads.abort(upload.key, upload.uploadId).catch((error: unknown) => options.logger.warn("archiver.abort_failed", { runId, ...errorFields(error) }));
  }
  if (upload) await saveUpload(options.state, runId, undefined);
  return undefined;
}

function deferred(upload: UploadProgress | undefined, attempts: number): Streamed {
  return { status: "deferred", storedBytes: upload?.storedBytes ?? 0, ...(upload?.totalBytes !== undefined ? { totalBytes: upload.totalBytes } : {}), attempts };
}

/** Makes the file from its parts once every byte is there; remembers that it did. */
async function complete(options: StreamOptions, uploads: ResumableUploads, runId: string, copied: { upload: UploadProgress; size: number; sha256?: string }) {
  const { upload, size } = copied;
  if (upload.totalBytes !== undefined && size !== upload.totalBytes) {
    await discard(options, runId, upload);
    throw new ArtifactTruncated(`artifact body ended after ${size} of ${upload.totalBytes} bytes`);
  }
  if (upload.uploadId === undefined) throw new ArtifactTruncated("the artifact file had no bytes to store in parts");
  await uploads.complete(upload.key, upload.uploadId, upload.tags.map((tag, index) => ({ number: index + 1, tag, bytes: partSize(upload, index) })));
  const completed = { size, ...(copied.sha256 ? { sha256: copied.sha256 } : {}) };
  await saveUpload(options.state, runId, { ...upload, completed });
  return measureOnce(options, runId, upload, completed);
}

/** The sha256 of a completed copy: as hashed on the way, or read back from the file (saved, so read once). */
async function measureOnce(options: StreamOptions, runId: string, upload: UploadProgress, completed: { size: number; sha256?: string }): Promise<{ size: number; sha256: string }> {
  if (completed.sha256 !== undefined) return { size: completed.size, sha256: completed.sha256 };
  const measured = await options.archive.uploads!.measure(upload.key);
  if (measured.size !== completed.size) throw new ArtifactTruncated(`the archived file has ${measured.size} of ${completed.size} bytes`);
  await saveUpload(options.state, runId, { ...upload, completed: measured });
  return measured;
}

const partSize = (upload: UploadProgress, index: number) => (index < upload.tags.length - 1 ? upload.partBytes : upload.storedBytes - upload.partBytes * index);

/** A file that fits in one part: one write, hashed on the way. */
async function putWhole(options: StreamOptions, key: string, contentType: string, response: Opened) {
  const tally = { size: 0, hash: createHash("sha256") };
  await options.archive.putStream(key, measured(response.body, response.contentLength, tally), {
    contentType,
    ...(response.contentLength !== undefined ? { contentLength: response.contentLength } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { size: tally.size, sha256: tally.hash.digest("hex") };
}

/** Hashes and counts the bytes on their way to the store; fails if the body ends short. */
async function* measured(
  body: AsyncIterable<Uint8Array>,
  expectedLength: number | undefined,
  tally: { size: number; hash: ReturnType<typeof createHash> },
): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    tally.size += chunk.byteLength;
    tally.hash.update(chunk);
    if (expectedLength !== undefined && tally.size > expectedLength) {
      throw new ArtifactTruncated(`artifact body is longer than its Content-Length of ${expectedLength} bytes`);
    }
    yield chunk;
  }
  if (expectedLength !== undefined && tally.size !== expectedLength) {
    throw new ArtifactTruncated(`artifact body ended after ${tally.size} of ${expectedLength} bytes`);
  }
}

