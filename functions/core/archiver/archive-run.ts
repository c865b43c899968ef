/**
 * The archiver: on Artifacts Ready, stream a run's artifact file from Amigo's presigned URL
 * into the archive byte for byte, then write run.json and summary.md and emit Run Archived.
 *
 * - A URL that has expired (before or during the download) is replaced by a fresh one and
 *   the download starts again; the store never keeps a partial object.
 * - Content-Length is checked and sha256 computed while streaming; nothing is buffered.
 * - Exactly once: a lease (a claim, heartbeated while streaming, so it expires within a minute
 *   of its holder's death) keeps a duplicate delivery from streaming the same run at the same
 *   time, and the archived marker makes any later delivery a no-op.
 * - report.html is written before the archived marker, the set's page and the archive's index
 *   after it (core/archive-pages/publish-pages.ts), so a killed archiver leaves them pending.
 * - Run Archived is never lost: it goes through the outbox after the marker is written, and a
 *   delivery (or the poller) that finds the marker without a delivered announcement sends it.
 * - An artifact file that cannot be fetched (404, too large, a refused link) fails the delivery;
 *   the MAX_FETCH_TRIES-th such delivery marks it failed instead: run.json and summary.md say
 *   why, and Run Archived carries the failure, so the run is reported and no longer retried.
 */
import type { Run } from "../model/amigo-model.js";
import { type ArtifactFailure, event, type RunArchivedDetail, runArchivedDetailOf } from "../events.js";
import { countFailedTry, MAX_FETCH_TRIES } from "./artifact-copy.js";
import { ArchiveFailed } from "./archive-errors.js";
import { streamArtifacts } from "./artifact-stream.js";

export { ArchiveFailed, ArtifactLinkExpired, ArtifactRefused, ArtifactTooLarge, ArtifactTruncated } from "./archive-errors.js";
import { errorFields, type Logger } from "../log.js";
import { anonymousOwner, createClaims, keepAlive } from "../idempotency/claims.js";
import { createOutbox, type Outbox } from "../idempotency/outbox.js";
import type { AmigoApi, ArchiveStore, ArtifactDownloader, ClaimOwner, Clock, EventBus, StateStore } from "../ports.js";
import { summarizeRuns } from "../summary/run-summaries.js";
import { archiveKeys, eventIds, stateKeys } from "../idempotency/state-keys.js";
import { summaryMarkdown } from "../summary/summary-markdown.js";
import { withFullJustifications } from "../summary/judge-pages.js";
import type { RunSummary } from "../summary/summary-model.js";
import type { Deadline } from "../util/deadline.js";
import { publishPendingPages, writeReport } from "../archive-pages/publish-pages.js";

export interface ArchiverOptions {
  amigo: AmigoApi;
  archive: ArchiveStore;
  state: StateStore;
  bus: EventBus;
  download: ArtifactDownloader;
  clock: Clock;
  logger: Logger;
  archivePrefix: string;
  /** Fresh URLs to ask for before giving up on this delivery (the event is retried later). */
  maxAttempts?: number;
  /** Who this process is (a lease of a dead process on this machine is taken over at once). */
  owner?: ClaimOwner;
  /** How long a lease lives without a heartbeat (default 60 s), and how often it is renewed (20 s). */
  leaseTtlMs?: number;
  leaseHeartbeatMs?: number;
  signal?: AbortSignal;
  /** The time left to this delivery (Lambda's, less a margin): a large copy stops at a part boundary before it. */
  deadline?: Deadline;
}

export type ArchiveOutcome =
  | { status: "archived"; detail: RunArchivedDetail; attempts: number }
  | { status: "failed"; detail: RunArchivedDetail; tries: number }
  /** The deadline came first: the stored parts are saved, and the next delivery continues from them. */
  | { status: "deferred"; storedBytes: number; totalBytes?: number }
  | { status: "already-archived" }
  | { status: "in-progress-elsewhere" };

async function loadSummary(options: ArchiverOptions, run: Run): Promise<RunSummary> {
  const stored = await options.state.get<RunSummary>(stateKeys.runSummary(run.id));
  // The stored summary's justifications are cut to what a message shows; the archive has them whole.
  if (stored) return withFullJustifications(options.state, stored.value);
  const [summary] = await summarizeRuns(options.amigo, options.state, [run], { log: options.logger });
  if (!summary) throw new ArchiveFailed(`could not summarize run ${run.id}`);
  return summary;
}

/** How long an archiving lease lives without a heartbeat, and how often the holder renews it. */
const LEASE_TTL_MS = 60_000;
const LEASE_HEARTBEAT_MS = 20_000;

export async function archiveRun(options: ArchiverOptions, target: { runId: string; setId: string }): Promise<ArchiveOutcome> {
  const { state, logger } = options;
  const { runId } = target;
  const owner = options.owner ?? anonymousOwner();
  const claims = createClaims({ state, clock: options.clock, owner });
  const outbox = createOutbox({ state, bus: options.bus, clock: options.clock, owner, logger });
  const archived = await state.get<RunArchivedDetail>(stateKeys.archivedMarker(runId));
  if (archived) return alreadyArchived(options, outbox, archived.value);
  const attempt = await claims.acquire(stateKeys.archivingLease(runId), { ttlMs: options.leaseTtlMs ?? LEASE_TTL_MS, progress: {} });
  if (attempt.status !== "acquired") {
    logger.info("archiver.skip", { runId, reason: "another archiver holds the lease" });
    return { status: "in-progress-elsewhere" };
  }
  const lease = keepAlive(claims, attempt.claim, { ttlMs: options.leaseTtlMs ?? LEASE_TTL_MS, everyMs: options.leaseHeartbeatMs ?? LEASE_HEARTBEAT_MS });
  const signal = options.signal ? AbortSignal.any([options.signal, lease.signal]) : lease.signal;
  try {
    // Re-check under the lease: another archiver may have finished just before we got it.
    const done = await state.get<RunArchivedDetail>(stateKeys.archivedMarker(runId));
    if (done) return alreadyArchived(options, outbox, done.value);
    const outcome = await archiveUnderLease({ ...options, signal }, runId);
    if (outcome.status !== "deferred") await announce(outbox, outcome.detail);
    await publishPages(options);
    return outcome;
  } finally {
    await claims.release(await lease.stop()).catch((error: unknown) => logger.warn("archiver.lease_release_failed", { runId, ...errorFields(error) }));
  }
}

async function archiveUnderLease(options: ArchiverOptions, runId: string): Promise<Extract<ArchiveOutcome, { status: "archived" | "failed" | "deferred" }>> {
  const { state, archive, amigo, logger } = options;
  const run = (await state.get<Run>(stateKeys.amigoRun(runId)))?.value ?? (await amigo.getRuns([runId]))[0];
  if (!run) throw new ArchiveFailed(`run ${runId} is not known to Amigo`);
  const setId = run.simulation_unit_test_set_id;
  let streamed: Awaited<ReturnType<typeof streamArtifacts>>;
  try {
    streamed = await streamArtifacts(options, run);
  } catch (error) {
    if (!(error instanceof ArchiveFailed) || options.signal?.aborted) throw error;
    const tries = await countFailedTry(state, runId, error.message);
    logger.warn("archiver.fetch_failed", { runId, tries, of: MAX_FETCH_TRIES, ...errorFields(error) });
    if (tries < MAX_FETCH_TRIES) throw error;
    return recordFailure(options, run, { reason: error.message, tries });
  }
  if (streamed.status === "deferred") {
    const { storedBytes, totalBytes } = streamed;
    logger.info("archiver.deferred", { runId, storedBytes, ...(totalBytes !== undefined ? { totalBytes } : {}), reason: "the deadline comes before the rest of the file" });
    return { status: "deferred", storedBytes, ...(totalBytes !== undefined ? { totalBytes } : {}) };
  }
  const { key, contentType, size, sha256, attempts } = streamed;
  const artifactsFile = key.slice(key.lastIndexOf("/") + 1);
  const archivedAt = await writeRunFiles(options, run, { file: artifactsFile, size, sha256, contentType });
  const detail: RunArchivedDetail = { runId, setId, location: archive.locationOf(key), key, size, sha256, contentType };
  await state.create(stateKeys.archivedMarker(runId), { ...detail, archivedAt });
  logger.info("archiver.archived", { runId, setId, size, sha256, attempts });
  return { status: "archived", detail, attempts };
}

/** Gives up on the artifact file: run.json and summary.md say why, and Run Archived carries it. */
async function recordFailure(options: ArchiverOptions, run: Run, failure: ArtifactFailure): Promise<Extract<ArchiveOutcome, { status: "failed" }>> {
  const { state, archive, logger } = options;
  const setId = run.simulation_unit_test_set_id;
  const archivedAt = await writeRunFiles(options, run, { failed: failure });
  const location = archive.locationOf(archiveKeys.runJson(options.archivePrefix, setId, run.id));
  const detail: RunArchivedDetail = { runId: run.id, setId, location, key: "", size: 0, sha256: "", contentType: "", failure };
  await state.create(stateKeys.archivedMarker(run.id), { ...detail, archivedAt });
  logger.warn("archiver.gave_up", { runId: run.id, setId, tries: failure.tries, reason: failure.reason });
  return { status: "failed", detail, tries: failure.tries };
}

type ArchivedArtifacts = { file: string; size: number; sha256: string; contentType: string } | { failed: ArtifactFailure };

/** run.json (the run as Amigo returned it, plus simwatch's block) and summary.md; returns archived_at. */
async function writeRunFiles(options: ArchiverOptions, run: Run, artifacts: ArchivedArtifacts): Promise<string> {
  const { archive, clock } = options;
  const setId = run.simulation_unit_test_set_id;
  const summary = await loadSummary(options, run);
  const archivedAt = clock.now().toISOString();
  const { block, markdown } =
    "failed" in artifacts
      ? {
          block: { artifacts_failed: { reason: artifacts.failed.reason, tries: artifacts.failed.tries, failed_at: archivedAt } },
          markdown: { failed: `gave up after ${artifacts.failed.tries} tries: ${artifacts.failed.reason}` },
        }
      : { block: { artifacts }, markdown: { artifactsFile: artifacts.file, size: artifacts.size, sha256: artifacts.sha256 } };
  const runJson = { ...run, simwatch: { verdict: summary.verdict, summary, ...block, archived_at: archivedAt } };
  await archive.putText(archiveKeys.runJson(options.archivePrefix, setId, run.id), `${JSON.stringify(runJson, null, 2)}\n`, "application/json");
  await archive.putText(archiveKeys.summaryMarkdown(options.archivePrefix, setId, run.id), summaryMarkdown(summary, markdown), "text/markdown; charset=utf-8");
  await writeReport(options, { summary, run, artifacts: "failed" in artifacts ? { failed: `gave up after ${artifacts.failed.tries} tries: ${artifacts.failed.reason}` } : artifacts, archivedAt });
  return archivedAt;
}

/** Records and sends Run Archived (once: the outbox knows whether it went out before). */
async function announce(outbox: Outbox, marker: RunArchivedDetail): Promise<void> {
  await outbox.deliver(await outbox.record([{ id: eventIds.runArchived(marker.runId), event: event("Run Archived", runArchivedDetailOf(marker)) }]));
}

async function alreadyArchived(options: ArchiverOptions, outbox: Outbox, marker: RunArchivedDetail): Promise<ArchiveOutcome> {
  await announce(outbox, marker);
  await publishPages(options);
  return { status: "already-archived" };
}

/** The set's page and the archive's index, for this run and any a killed process left pending (a failure waits for the next archive or tick). */
async function publishPages(options: ArchiverOptions): Promise<void> {
  await publishPendingPages(options).catch((error: unknown) => options.logger.warn("archiver.pages_pending", errorFields(error)));
}

