/**
 * One poller tick: notice runs starting and finishing, and artifacts becoming ready.
 *
 * The phases, in order: re-send what an earlier tick recorded but did not deliver; read the
 * watch list; ask Amigo what changed (calls grow with pages, never with runs: the in-progress
 * list, the short-run list, watched runs that left the in-progress list by id in batches of
 * 50, and name look-ups only when something finished); decide the events; record them in the
 * outbox; save the watch list; deliver. A run whose id cannot be used is skipped with a
 * warning naming it, and the rest of the tick goes on. A tick that fails before saving its
 * watch list is simply repeated by the next one, so an Amigo outage loses nothing.
 */
import type { Run } from "../model/amigo-model.js";
import { type CancelRequest, cancelRequestsOf, statusOf } from "../summary/cancel-requests.js";
import { anonymousOwner, type ClaimRecord, isStale } from "../idempotency/claims.js";
import { mapConcurrent, STATE_CONCURRENCY } from "../util/concurrency.js";
import { event, type RunArchivedDetail, type SlackOrigin } from "../events.js";
import type { Logger } from "../log.js";
import { isObjectId } from "../model/object-id.js";
import { createOutbox, type OutboxEvent } from "../idempotency/outbox.js";
import type { AmigoApi, ClaimOwner, Clock, EventBus, StateStore } from "../ports.js";
import { lookUpNames, type NameBook, summarizeRuns } from "../summary/run-summaries.js";
import { EXPIRING_STATE_PREFIXES, eventIds, stateKeys } from "../idempotency/state-keys.js";
import { previousOutcomeOf, type PreviousRunOutcome } from "../summary/summary.js";
import { updateState } from "../idempotency/state-update.js";
import { JUDGE_READS_PER_MINUTE, needingJudgeResults } from "../summary/judge-reasons.js";
import { noChanges, readWatchlist, recentJudgeReads, saveWatchlist, type Watchlist, type WatchlistChanges, type WatchedRun, watchedEntry } from "./watchlist.js";

export type { Watchlist, WatchedRun } from "./watchlist.js";

export interface PollerOptions {
  amigo: AmigoApi;
  state: StateStore;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  /** Who this process is (claims of a dead process on this machine are taken over at once). */
  owner?: ClaimOwner;
  /** A run stays watched at most this long after it was created. */
  giveUpAfterHours: number;
  /** State older than this is pruned where the store has no lifecycle rules (the folder store). */
  stateRetentionDays?: number;
  /** Overlap of the short-run window, for clock skew between simwatch and Amigo. */
  shortRunMarginMinutes?: number;
  /** How long a recorded event waits for its own process before another re-sends it. */
  outboxGraceMs?: number;
}

export interface TickReport {
  firstPoll: boolean;
  inProgress: number;
  watched: number;
  started: number;
  finished: number;
  artifactsReady: number;
  archived: number;
  gaveUp: number;
  /** Events this tick delivered (its own and re-sent ones). */
  events: number;
  /** Events recorded by an earlier, interrupted tick and re-sent by this one. */
  resent: number;
  /** Runs Amigo returned that could not be watched (a malformed id), named in the log. */
  skipped: number;
  /** Requests this tick made to Amigo's list-runs endpoint (pages), for pacing against its rate limit. */
  listRunsCalls: number;
}

const minutes = (count: number) => count * 60_000;
/** A cancel simwatch asked for and Amigo has not answered: the run's verdict waits this long for it. */
const CANCEL_ANSWER_WAIT_MS = minutes(5);

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** What Amigo says this tick, with runs that cannot be used already set aside. */
interface Observed {
  inProgress: Run[];
  /** Watched runs that left the in-progress list, as Amigo shows them now. */
  fetched: Run[];
  /** Runs that started and finished between two ticks (never seen in progress). */
  shortRuns: Run[];
  skipped: number;
  listRunsCalls: number;
}

/** Everything the tick decided: events to record, changes to the watch list. */
interface Decisions {
  events: OutboxEvent[];
  /** Runs seen for the first time, with where they were started from in Slack. */
  started: { run: Run; origin?: SlackOrigin }[];
  changes: WatchlistChanges;
  /** Runs seen completed for the first time this tick, to summarise. */
  finishing: Run[];
  finishedAt: Map<string, string>;
  gaveUp: Map<string, number>;
  /** Runs reported finished earlier whose artifacts never got archived (their summary says so). */
  gaveUpFinished: Run[];
  report: TickReport;
}

function usable(runs: readonly Run[], logger: Logger): { runs: Run[]; skipped: number } {
  const good = runs.filter((run) => isObjectId(run.id) && isObjectId(run.simulation_unit_test_set_id));
  for (const run of runs) {
    if (!good.includes(run)) logger.warn("poller.run_skipped", { runId: String(run.id).slice(0, 60), setId: String(run.simulation_unit_test_set_id).slice(0, 60), reason: "not an ObjectId" });
  }
  return { runs: good, skipped: runs.length - good.length };
}

async function observe(options: PollerOptions, watchlist: Watchlist | undefined): Promise<Observed> {
  const { amigo, state, logger } = options;
  const watched = watchlist?.runs ?? {};
  const pages = (count: number) => Math.max(1, Math.ceil(count / 50));
  const listed = usable(await collect(amigo.listRuns({ is_completed: false })), logger);
  let listRunsCalls = pages(listed.runs.length);
  let skipped = listed.skipped;
  const inProgressIds = new Set(listed.runs.map((run) => run.id));
  // Runs completed since the last listing (less a margin): short runs nobody saw start, and
  // watched runs that finished, which then need no fetching by id.
  let recent: Run[] = [];
  if (watchlist) {
    const since = new Date(Date.parse(watchlist.lastListedAt) - minutes(options.shortRunMarginMinutes ?? 5));
    const completed = usable(await collect(amigo.listRuns({ is_completed: true, created_after: since })), logger);
    skipped += completed.skipped;
    listRunsCalls += pages(completed.runs.length);
    recent = completed.runs;
  }
  const recentWatched = recent.filter((run) => run.id in watched && !inProgressIds.has(run.id));
  const found = new Set(recentWatched.map((run) => run.id));
  const leftProgress = Object.keys(watched).filter((runId) => !inProgressIds.has(runId) && !found.has(runId));
  const byId = leftProgress.length > 0 ? await amigo.getRuns(leftProgress) : [];
  listRunsCalls += leftProgress.length > 0 ? Math.ceil(leftProgress.length / 50) : 0;
  const candidates = recent.filter((run) => !(run.id in watched) && !inProgressIds.has(run.id));
  const archived = await mapConcurrent(candidates, STATE_CONCURRENCY, (run) => state.get(stateKeys.archivedMarker(run.id)));
  const shortRuns = candidates.filter((_, index) => archived[index] === undefined);
  const fetched = [...recentWatched, ...byId.filter((run) => run.id in watched)];
  return { inProgress: listed.runs, fetched, shortRuns, skipped, listRunsCalls };
}

export async function pollOnce(options: PollerOptions): Promise<TickReport> {
  const { state, bus, clock, logger } = options;
  const owner = options.owner ?? anonymousOwner();
  const outbox = createOutbox({ state, bus, clock, owner, logger, ...(options.outboxGraceMs !== undefined ? { graceMs: options.outboxGraceMs } : {}) });
  const resent = await outbox.resendPending();
  const watchlist = await readWatchlist(state);
  const observed = await observe(options, watchlist);
  const decisions = await decide(options, owner, watchlist, observed);
  decisions.report.resent = resent;
  const names = await nameEverything(options, decisions);
  announceStarted(decisions, names);
  await summarize(options, decisions, names, watchlist);

  const recorded = await outbox.record(decisions.events);
  decisions.changes.lastTick = { at: decisions.changes.listedAt, listRunsCalls: decisions.report.listRunsCalls };
  const saved = await saveWatchlist(state, decisions.changes);
  await rememberFinishedRuns(state, decisions);
  await pruneExpiredState(options, watchlist);
  const delivered = await outbox.deliver(recorded);

  const report = decisions.report;
  for (const entry of recorded) {
    if (entry.event.detailType === "Run Started") report.started++;
    if (entry.event.detailType === "Run Finished") report.finished++;
    if (entry.event.detailType === "Artifacts Ready") report.artifactsReady++;
  }
  report.events = delivered + resent;
  report.watched = Object.keys(saved.runs).length;
  logger.info("poller.tick", { ...report });
  return report;
}

async function decide(options: PollerOptions, owner: ClaimOwner, watchlist: Watchlist | undefined, observed: Observed): Promise<Decisions> {
  const now = options.clock.now();
  const decisions: Decisions = {
    events: [],
    started: [],
    changes: noChanges(now.toISOString()),
    finishing: [],
    finishedAt: new Map(),
    gaveUp: new Map(),
    gaveUpFinished: [],
    report: { firstPoll: !watchlist, inProgress: observed.inProgress.length, watched: 0, started: 0, finished: 0, artifactsReady: 0, archived: 0, gaveUp: 0, events: 0, resent: 0, skipped: observed.skipped, listRunsCalls: observed.listRunsCalls },
  };
  await noticeStarted(options, decisions, watchlist, observed);
  await noticeCompleted(options, owner, decisions, watchlist, observed);
  noticeOverdue(options, decisions, watchlist, observed);
  return decisions;
}

/** New in-progress runs, and short ones found by creation time: Run Started, and watch them. */
async function noticeStarted(options: PollerOptions, decisions: Decisions, watchlist: Watchlist | undefined, observed: Observed) {
  const watched = watchlist?.runs ?? {};
  const nowIso = decisions.changes.listedAt;
  const newRuns = [...observed.inProgress.filter((run) => !(run.id in watched)), ...observed.shortRuns];
  const origins = await mapConcurrent(newRuns, STATE_CONCURRENCY, async (run) => (await options.state.get<SlackOrigin>(stateKeys.runOrigin(run.id)))?.value);
  newRuns.forEach((run, index) => {
    decisions.changes.upserts.set(run.id, watchedEntry(run, nowIso));
    const origin = origins[index];
    decisions.started.push({ run, ...(origin ? { origin } : {}) });
  });
}

/**
 * Names for everything the tick reports, one batched look-up per kind (sets of every run
 * started or finished, unit tests of finished ones), so consumers never ask Amigo per run.
 */
async function nameEverything(options: PollerOptions, decisions: Decisions): Promise<NameBook | undefined> {
  const finished = [...decisions.finishing, ...decisions.gaveUpFinished];
  if (decisions.started.length + finished.length === 0) return undefined;
  return lookUpNames(options.amigo, [...decisions.started.map(({ run }) => run), ...finished], finished);
}

function announceStarted(decisions: Decisions, names: NameBook | undefined) {
  for (const { run, origin } of decisions.started) {
    const setName = names?.sets.get(run.simulation_unit_test_set_id);
    decisions.events.push({
      id: eventIds.runStarted(run.id),
      event: event("Run Started", {
        runId: run.id,
        setId: run.simulation_unit_test_set_id,
        ...(setName ? { setName } : {}),
        createdAt: run.created_at,
        creator: run.creator,
        ...(origin ? { origin } : {}),
      }),
    });
  }
}

/** Whether a completed run's verdict must wait for the answer to a cancel simwatch asked for. */
function awaitsCancelAnswer(request: CancelRequest | undefined, now: Date): boolean {
  return request !== undefined && statusOf(request) === "requested" && now.getTime() - Date.parse(request.at) < CANCEL_ANSWER_WAIT_MS;
}

/** Completed runs: the first sighting finishes them; then their artifacts are archived; then they are dropped. */
async function noticeCompleted(options: PollerOptions, owner: ClaimOwner, decisions: Decisions, watchlist: Watchlist | undefined, observed: Observed) {
  const { state, logger } = options;
  const now = options.clock.now();
  const nowIso = decisions.changes.listedAt;
  const completed = [...observed.fetched.filter((run) => run.is_completed), ...observed.shortRuns];
  const cancels = await cancelRequestsOf(state, completed);
  for (const run of completed) {
    const entry = watchlist?.runs[run.id] ?? decisions.changes.upserts.get(run.id) ?? watchedEntry(run, nowIso);
    const update: WatchedRun = { ...entry };
    if (!entry.finishedAt) {
      if (awaitsCancelAnswer(cancels.get(run.id), now)) {
        logger.info("poller.awaits_cancel_answer", { runId: run.id });
        continue;
      }
      update.finishedAt = nowIso;
      decisions.finishing.push(run);
      decisions.finishedAt.set(run.id, nowIso);
    }
    if (run.artifacts_generated) {
      const archived = entry.artifactsReadyAt ? await state.get<RunArchivedDetail>(stateKeys.archivedMarker(run.id)) : undefined;
      if (archived) {
        await announceArchived(state, decisions, archived.value);
        // No one touches the run's state again: a lock a killed archiver left there would stay.
        await state.tidy?.(stateKeys.runStatePrefix(run.id));
        decisions.changes.removals.add(run.id);
        decisions.report.archived++;
        continue;
      }
      await askForArchive(options, owner, decisions, run, entry, update);
    }
    if (Date.parse(run.created_at) < now.getTime() - options.giveUpAfterHours * 3_600_000) {
      decisions.changes.removals.add(run.id);
      decisions.report.gaveUp++;
      logger.warn("poller.give_up", { runId: run.id, reason: "artifacts never archived" });
      // The run's summary says so: in its one Run Finished, or in a second one that updates the message.
      decisions.gaveUp.set(run.id, options.giveUpAfterHours);
      if (entry.finishedAt) {
        decisions.gaveUpFinished.push(run);
        decisions.finishedAt.set(run.id, entry.finishedAt);
      }
      continue;
    }
    decisions.changes.upserts.set(run.id, update);
  }
}

/** Run Archived must reach the notifier even if the archiver died right after archiving. */
async function announceArchived(state: StateStore, decisions: Decisions, detail: RunArchivedDetail) {
  const id = eventIds.runArchived(detail.runId);
  if ((await state.get(stateKeys.deliveredMarker(id))) !== undefined) return;
  const { runId, setId, location, key, size, sha256, contentType } = detail;
  decisions.events.push({ id, event: event("Run Archived", { runId, setId, location, key, size, sha256, contentType }) });
}

/**
 * Artifacts Ready once when the artifacts appear; again when no archiver holds the run (one
 * died, or every delivery failed), spaced 1, 2, 4 ... 30 minutes apart.
 */
async function askForArchive(options: PollerOptions, owner: ClaimOwner, decisions: Decisions, run: Run, entry: WatchedRun, update: WatchedRun) {
  const emits = entry.artifactsReadyEmits ?? (entry.artifactsReadyAt ? 1 : 0);
  const now = options.clock.now();
  if (emits > 0) {
    const waitMs = minutes(Math.min(30, 2 ** (emits - 1)));
    if (now.getTime() - Date.parse(entry.artifactsReadyAt ?? "") < waitMs) return;
    const lease = await options.state.get<ClaimRecord>(stateKeys.archivingLease(run.id));
    if (lease && !isStale(lease.value, now, owner)) return;
    options.logger.warn("poller.rearchive", { runId: run.id, emit: emits + 1 });
  }
  // The run as Amigo returned it, for run.json: the archiver then needs no Amigo call but the link.
  if (emits === 0) await options.state.create(stateKeys.amigoRun(run.id), run);
  decisions.events.push({
    id: eventIds.artifactsReady(run.id, emits + 1),
    event: event("Artifacts Ready", { runId: run.id, setId: run.simulation_unit_test_set_id }),
  });
  update.artifactsReadyAt = decisions.changes.listedAt;
  update.artifactsReadyEmits = emits + 1;
}

/** Watched runs still running (or vanished) past the give-up age. */
function noticeOverdue(options: PollerOptions, decisions: Decisions, watchlist: Watchlist | undefined, observed: Observed) {
  const now = options.clock.now().getTime();
  const isTooOld = (createdAt: string) => now - Date.parse(createdAt) > options.giveUpAfterHours * 3_600_000;
  const running = new Map([...observed.inProgress, ...observed.fetched.filter((run) => !run.is_completed)].map((run) => [run.id, run]));
  const fetchedIds = new Set(observed.fetched.map((run) => run.id));
  for (const [runId, entry] of Object.entries(watchlist?.runs ?? {})) {
    if (decisions.changes.removals.has(runId) || entry.finishedAt || decisions.finishedAt.has(runId)) continue;
    const run = running.get(runId);
    if (!run && !fetchedIds.has(runId)) {
      options.logger.warn("poller.run_vanished", { runId });
      if (isTooOld(entry.createdAt)) decisions.changes.removals.add(runId);
      continue;
    }
    if (run && isTooOld(entry.createdAt)) {
      decisions.finishing.push(run);
      decisions.gaveUp.set(runId, options.giveUpAfterHours);
      decisions.changes.removals.add(runId);
      decisions.report.gaveUp++;
    }
  }
}

/**
 * One Run Finished per finishing run (and a second for runs given up on after finishing). Its
 * summary costs one metric-results call per failed run and one history listing per set.
 */
async function summarize(options: PollerOptions, decisions: Decisions, names: NameBook | undefined, watchlist: Watchlist | undefined) {
  const { finishing, gaveUpFinished } = decisions;
  if (finishing.length + gaveUpFinished.length === 0) return;
  // Judge results within Amigo's per-minute limit across ticks: the rest of a burst says so.
  const now = decisions.changes.listedAt;
  const judgeReads = Math.max(0, JUDGE_READS_PER_MINUTE - recentJudgeReads(watchlist?.judgeReads ?? [], now).length);
  const reading = Math.min(judgeReads, needingJudgeResults([...finishing, ...gaveUpFinished]).length);
  decisions.changes.judgeReads = Array.from({ length: reading }, (_, index) => new Date(Date.parse(now) + index).toISOString());
  // Each set's history is one more list-runs call, which fast follow's pace must count.
  decisions.report.listRunsCalls += new Set([...finishing, ...gaveUpFinished].map((run) => run.simulation_unit_test_set_id)).size;
  const summaries = await summarizeRuns(options.amigo, options.state, [...finishing, ...gaveUpFinished], {
    finishedAt: decisions.finishedAt,
    gaveUpAfterHours: decisions.gaveUp,
    judgeReads,
    ...(names ? { names } : {}),
    log: options.logger,
  });
  await mapConcurrent(summaries.slice(0, finishing.length), STATE_CONCURRENCY, (summary) => options.state.create(stateKeys.runSummary(summary.runId), summary));
  summaries.forEach((summary, index) => {
    const id = index < finishing.length ? eventIds.runFinished(summary.runId) : eventIds.gaveUp(summary.runId);
    const setName = names?.sets.get(summary.setId);
    decisions.events.push({
      id,
      event: event("Run Finished", { runId: summary.runId, setId: summary.setId, ...(setName ? { setName } : {}), verdict: summary.verdict, summary }),
    });
  });
}

/** Keeps each set's latest finished run, for the next run's diff. Cancelled and unfinished runs are not a baseline. */
async function rememberFinishedRuns(state: StateStore, decisions: Decisions) {
  const baselines = new Set(
    decisions.events.flatMap(({ event: sent }) => (sent.detailType === "Run Finished" && sent.detail.verdict !== "cancelled" && sent.detail.verdict !== "running" ? [sent.detail.runId] : [])),
  );
  const latestBySet = new Map<string, Run>();
  for (const run of decisions.finishing.filter((candidate) => baselines.has(candidate.id))) {
    const latest = latestBySet.get(run.simulation_unit_test_set_id);
    if (!latest || Date.parse(latest.created_at) < Date.parse(run.created_at)) latestBySet.set(run.simulation_unit_test_set_id, run);
  }
  await mapConcurrent([...latestBySet.values()], STATE_CONCURRENCY, (run) => {
    const outcome = previousOutcomeOf(run);
    return updateState<PreviousRunOutcome>(state, stateKeys.lastFinishedRun(run.simulation_unit_test_set_id), (current) =>
      current && Date.parse(current.createdAt) >= Date.parse(outcome.createdAt) ? undefined : outcome,
    );
  });
}

/** The folder store has no lifecycle rules: prune expired state about once a day. */
async function pruneExpiredState(options: PollerOptions, watchlist: Watchlist | undefined) {
  const { state, clock, logger } = options;
  if (!state.prune || !watchlist) return;
  const now = clock.now();
  if (watchlist.prunedAt && now.getTime() - Date.parse(watchlist.prunedAt) < 86_400_000) return;
  const olderThan = new Date(now.getTime() - (options.stateRetentionDays ?? 30) * 86_400_000);
  const pruned = await state.prune(EXPIRING_STATE_PREFIXES, olderThan);
  await saveWatchlist(state, { ...noChanges(watchlist.lastListedAt), prunedAt: now.toISOString() });
  if (pruned > 0) logger.info("poller.pruned", { keys: pruned });
}
