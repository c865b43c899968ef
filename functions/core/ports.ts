/**
 * Ports: what the use cases in core need from the outside world. Adapters in
 * archive/, bus/, slack/ and amigo/ implement them; core imports none of those.
 */
import type { ArtifactsLink, MetricEvaluationResult, Run, RunFilter, UnitTest, UnitTestSet } from "./model/amigo-model.js";
import type { SimwatchEvent } from "./events.js";
import type { Schedule } from "./schedules/schedule.js";
import type { Deadline } from "./util/deadline.js";

/** The browsable archive (S3 prefix or a folder). Keys are relative to the archive root. */
export interface ArchiveStore {
  /**
   * Streams `body` into `key` without holding it in memory. Resolves once the object is
   * complete; on any failure (including `signal` aborting) nothing is left at `key`.
   */
  putStream(
    key: string,
    body: AsyncIterable<Uint8Array>,
    options: { contentType: string; contentLength?: number; signal?: AbortSignal },
  ): Promise<{ location: string }>;
  putText(key: string, text: string, contentType: string): Promise<{ location: string }>;
  getText(key: string): Promise<string | undefined>;
  exists(key: string): Promise<boolean>;
  /**
   * Keys under `prefix` in key order, from after `startAfter`, read a page at a time (only
   * `simwatch archive rebuild-pages` lists the archive; nothing does per run).
   */
  listKeys?(prefix: string, startAfter?: string): AsyncIterable<string>;
  /** Human-facing location of a key: `s3://bucket/key` or an absolute path. */
  locationOf(key: string): string;
  /** A short-lived download URL, where the store can give one (S3); undefined otherwise. */
  presignDownload?(key: string, expiresInSeconds: number): Promise<string | undefined>;
  /** Writes of large files part by part, which another process can finish (S3 multipart, a partial file). */
  readonly uploads?: ResumableUploads;
}

/**
 * A write of one file in parts, resumable from what was saved about it (the upload's id and its
 * parts' tags): an S3 multipart upload, or a partial file under a temp name beside the key.
 * Nothing is visible at the key before `complete`. A part stored again replaces the first.
 */
export interface ResumableUploads {
  /** Bytes of every part but the last (S3: at least 5 MiB, and few enough parts for `totalBytes`). */
  partBytes(totalBytes: number | undefined): number;
  /** Starts an upload of `key`; resolves with its id. */
  begin(key: string, contentType: string): Promise<string>;
  /** Stores one part (numbered from 1, at `offset` bytes into the file); resolves with its tag once it is durable. */
  putPart(key: string, uploadId: string, part: { number: number; offset: number; bytes: Uint8Array }): Promise<string>;
  /** Makes the file at `key` from the parts, in order; the upload is gone after. */
  complete(key: string, uploadId: string, parts: readonly { number: number; tag: string; bytes: number }[]): Promise<void>;
  /** Throws the upload and its parts away; no error when it is gone already. */
  abort(key: string, uploadId: string): Promise<void>;
  /** Reads the file at `key` back: its size and sha256 (for a copy that resumed, whose hash saw only its own bytes). */
  measure(key: string): Promise<{ size: number; sha256: string }>;
}

/** What the archive browser knows of an archived file before reading it. */
export interface ArchiveObjectInfo {
  size: number;
  lastModified?: Date;
  etag?: string;
}

/**
 * The archive, read only: what the archive browser serves. A key that is absent, or is not a
 * plain file of the archive (a folder, a symlink in the folder store), reads as undefined.
 */
export interface ArchiveReader {
  stat(key: string): Promise<ArchiveObjectInfo | undefined>;
  /** The file's bytes as a stream; the caller reads it to the end or cancels it. */
  read(key: string): Promise<(ArchiveObjectInfo & { body: ReadableStream<Uint8Array> }) | undefined>;
  /** A short-lived GET link that downloads the file (S3); absent where the store has none. */
  presignDownload?(key: string, expiresInSeconds: number): Promise<string | undefined>;
}

export interface Versioned<T> {
  value: T;
  /** Opaque version token for `replace`. */
  etag: string;
}

/**
 * Small JSON state with conditional writes (S3 `IfNoneMatch: "*"` / `IfMatch`), so that
 * overlapping invocations change a key at most once per version.
 */
export interface StateStore {
  get<T>(key: string): Promise<Versioned<T> | undefined>;
  /** Creates `key` only if absent. Returns false, changing nothing, when it exists. */
  create<T>(key: string, value: T): Promise<boolean>;
  /** Replaces `key` only if it is still at `etag`. Returns false, changing nothing, otherwise. */
  replace<T>(key: string, value: T, etag: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Keys under `prefix`, every page. */
  list(prefix: string): Promise<string[]>;
  /**
   * Deletes keys under `prefixes` last written before `olderThan`; returns how many. Only
   * stores with nothing better implement it (the bucket has lifecycle rules instead).
   */
  prune?(prefixes: readonly string[], olderThan: Date): Promise<number>;
  /**
   * Removes what dead processes left beside the keys under `prefix` (lock and temp files of a
   * write they were killed in). Only the folder store has such leftovers.
   */
  tidy?(prefix: string): Promise<void>;
}

/**
 * Who holds a claim (a lease, a post being made, a command being worked on): an id unique to
 * this process or invocation, and whether another holder is known to be gone (a dead process
 * on this machine), so its claim can be taken over before it expires.
 */
export interface ClaimOwner {
  readonly id: string;
  isGone(otherId: string): boolean;
}

/**
 * The cloud's timers for schedules (EventBridge Scheduler): each puts `Scheduled Run Due` on the
 * bus at the schedule's times. Locally there are none: `simwatch serve` evaluates schedules itself.
 */
export interface ScheduleTimers {
  /** Creates the schedule's timer, or updates it to the schedule as given. */
  put(schedule: Schedule): Promise<void>;
  /** Deletes it; a timer that is already gone is fine. */
  remove(scheduleId: string): Promise<void>;
}

export interface EventBus {
  publish(events: readonly SimwatchEvent[]): Promise<void>;
}

/** A clock the use cases read, so tests and the simulator can move time. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** One page of a paged Amigo listing: its items, and the token of the next page (undefined on the last). */
export interface ListingPage<T> {
  items: T[];
  next?: number;
}

/**
 * Amigo requests of the last minute, by endpoint name (ms since the epoch), so the next
 * process (a later Lambda invocation) keeps within the same per-minute limits.
 */
export type RecentRequests = Record<string, number[]>;

export interface AmigoPacing {
  recent(): RecentRequests;
  restore(requests: RecentRequests): void;
}

/** The Amigo calls simwatch makes (implemented by functions/amigo, tested against the simulator). */
export interface AmigoApi {
  createRun(setId: string): Promise<{ runId: string }>;
  /** Every run matching `filter`, page after page (one request per page). */
  listRuns(filter?: RunFilter): AsyncIterable<Run>;
  /** Runs by id, fetched in batches of 50 (one request per batch); unknown ids are absent. */
  getRuns(ids: readonly string[]): Promise<Run[]>;
  cancelRun(runId: string): Promise<void>;
  getArtifactsLink(runId: string): Promise<ArtifactsLink>;
  /** Sets by id (all sets when `ids` is empty or absent). */
  listSets(ids?: readonly string[]): Promise<UnitTestSet[]>;
  /** Sets whose name equals `name`, case-insensitively. */
  findSetsByName(name: string): Promise<UnitTestSet[]>;
  listUnitTests(ids: readonly string[]): Promise<UnitTest[]>;
  listMetricResults(runId: string): Promise<MetricEvaluationResult[]>;
  /** One page of a run's metric evaluation results, from `token` (0 first): work that stops between pages goes on later. */
  metricResultsPage(runId: string, token: number): Promise<ListingPage<MetricEvaluationResult>>;
  /** One page of every set (the API has no name filter), from `token` (0 first). */
  setsPage(token: number): Promise<ListingPage<UnitTestSet>>;
  /** The client's count of recent requests, where it keeps one. */
  readonly pacing?: AmigoPacing;
  /**
   * The same client for one step: its calls never start, wait or retry past `deadline` (they fail
   * with a deferral instead, see isDeferral). Absent where there are no limits to wait on.
   */
  withDeadline?(deadline: Deadline): AmigoApi;
}

/**
 * An HTTP GET of a presigned artifact URL (no Authorization header), body streamed. With `range`
 * it asks for the bytes from `range.from` on (`If-Range` on `range.ifRange`, the ETag the first
 * answer had): a 206 says where its bytes start and the file's total size; a 200 is the whole file.
 */
export interface ArtifactDownloader {
  open(
    url: string,
    signal?: AbortSignal,
    range?: { from: number; ifRange?: string },
  ): Promise<{
    status: number;
    contentType?: string;
    contentLength?: number;
    etag?: string;
    /** A 206's Content-Range: the first byte sent, and the file's size when the server said. */
    contentRange?: { start: number; total?: number };
    body: AsyncIterable<Uint8Array>;
  }>;
}
