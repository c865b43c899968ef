/**
 * One poller tick: notice runs starting and finishing, and artifacts becoming ready.
 *
 * The phases, in order: re-send what an earlier tick recorded but did not deliver; read the
 * watch list; ask Amigo what changed (calls grow with pages, never with runs: the in-progress
 * list, the short-run list, watched runs that left the in-progress list by id in batches of
 * 50, and name look-ups only when something finished); decide the events; read finished runs'
 * details (the judge's results, the sets' histories) oldest first while the deadline and
 * Amigo's limits allow; record the events in the outbox; save the watch list; deliver.
 *
 * Verdicts first: a run's first Run Finished never waits for its details. When they do not fit
 * in the tick, its summary says what is awaited and a later tick, having read them, sends the
 * complete summary (a second Run Finished) and only then asks for the archive. A run whose id
 * cannot be used is skipped with a warning naming it, and the rest of the tick goes on. A tick
 * that fails before saving its watch list is simply repeated by the next one, so an Amigo
 * outage loses nothing.
 */
import type { Run } from "../model/amigo-model.js";
import { type CancelRequest, cancelRequestsOf, statusOf } from "../summary/cancel-requests.js";
import { anonymousOwner, type ClaimRecord, isStale } from "../idempotency/claims.js";
import { mapConcurrent, STATE_CONCURRENCY } from "../util/concurrency.js";
import { event, type RunArchivedDetail, runArchivedDetailOf, type SlackOrigin } from "../events.js";
import type { Logger } from "../log.js";
import { isObjectId } from "../model/object-id.js";
import { createOutbox, type OutboxEvent } from "../idempotency/outbox.js";
import type { AmigoApi, ClaimOwner, Clock, EventBus, StateStore } from "../ports.js";
import { lookUpNames, type NameBook, summarizeRuns } from "../summary/run-summaries.js";
import type { JudgeResults } from "../summary/judge-reasons.js";
import { judgeResultsFromPages } from "../summary/judge-pages.js";
import type { RunSummary, SummaryPart } from "../summary/summary-model.js";
import { type DetailsProgress, type DetailsRead, readDetails, startDetails } from "./run-details.js";
import { type Deadline, NO_DEADLINE } from "../util/deadline.js";
import { EXPIRING_STATE_PREFIXES, eventIds, stateKeys } from "../idempotency/state-keys.js";
import { previousOutcomeOf, type PreviousRunOutcome } from "../summary/summary.js";
import { updateState } from "../idempotency/state-update.js";
import { noChanges, readWatchlist, saveWatchlist, type Watchlist, type WatchlistChanges, type WatchedRun, watchedEntry } from "./watchlist.js";

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
  /** When the tick must have saved its work (Lambda's time left less a margin); none by default. */
  deadline?: Deadline;
}

/** The options a tick runs with: its Amigo client bound to its deadline. */
type TickOptions = PollerOptions & { deadline: Deadline };

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
  /** Finished runs whose details are still being read (their verdict went out already), with their progress. */
  reading: { run: Run; update: WatchedRun }[];
  /** Runs whose artifacts are ready, to archive once their summary is complete. */
  archivable: { run: Run; entry: WatchedRun; update: WatchedRun }[];
  /** What this tick read of the reading runs' details. */
  details?: DetailsRead;
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

export async function pollOnce(given: PollerOptions): Promise<TickReport> {
  const deadline = given.deadline ?? NO_DEADLINE;
  // Every Amigo call of the tick keeps its deadline: a limit that would make it wait past it defers the work.
  const amigo = given.deadline ? (given.amigo.withDeadline?.(given.deadline) ?? given.amigo) : given.amigo;
  const options = { ...given, amigo, deadline };
  const { state, bus, clock, logger } = options;
  const owner = options.owner ?? anonymousOwner();
  const outbox = createOutbox({ state, bus, clock, owner, logger, ...(options.outboxGraceMs !== undefined ? { graceMs: options.outboxGraceMs } : {}) });
  const resent = await outbox.resendPending();
  const watchlist = await readWatchlist(state);
  // An earlier invocation's requests count against the same per-minute limits.
  if (watchlist?.amigoRequests) amigo.pacing?.restore(watchlist.amigoRequests);
  const observed = await observe(options, watchlist);
  const decisions = await decide(options, owner, watchlist, observed);
  decisions.report.resent = resent;
  await readFinishedDetails(options, decisions);
  const names = await nameEverything(options, decisions);
  announceStarted(decisions, names);
  await summarize(options, decisions, names);
  await askForArchives(options, owner, decisions);

  const recorded = await outbox.record(decisions.events);
  decisions.changes.lastTick = { at: decisions.changes.listedAt, listRunsCalls: decisions.report.listRunsCalls };
  const requests = amigo.pacing?.recent();
  if (requests) decisions.changes.amigoRequests = requests;
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
    reading: [],
    archivable: [],
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
  const finished = [...decisions.finishing, ...decisions.gaveUpFinished, ...completing(decisions).map(({ run }) => run)];
  if (decisions.started.length + finished.length === 0) return undefined;
  return lookUpNames(options.amigo, [...decisions.started.map(({ run }) => run), ...finished], finished);
}

function announceStarted(decisions: Decisions, names: NameBook | undefined) {
  for (const { run, origin } of decisions.started) {
    const setName = names?.sets.get(run.simulation_unit_test_set_id);
    const setTags = names?.setTags?.get(run.simulation_unit_test_set_id);
    decisions.events.push({
      id: eventIds.runStarted(run.id),
      event: event("Run Started", {
        runId: run.id,
        setId: run.simulation_unit_test_set_id,
        ...(setName ? { setName } : {}),
        ...(setTags ? { setTags } : {}),
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
      update.details = startDetails(run, nowIso);
      decisions.finishing.push(run);
      decisions.finishedAt.set(run.id, nowIso);
    }
    if (update.details) decisions.reading.push({ run, update });
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
      decisions.archivable.push({ run, entry, update });
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
  decisions.events.push({ id, event: event("Run Archived", runArchivedDetailOf(detail)) });
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
 * Reads what finished runs' summaries still need (the judge's results, the sets' histories),
 * oldest first, until the deadline or Amigo's limits stop it; each run's progress goes into its
 * watch entry, so the next tick goes on where this one stopped.
 */
async function readFinishedDetails(options: TickOptions, decisions: Decisions) {
  if (decisions.reading.length === 0) return;
  const oldestFirst = [...decisions.reading].sort((a, b) => (a.update.details?.since ?? "").localeCompare(b.update.details?.since ?? ""));
  const reading = { amigo: options.amigo, state: options.state, deadline: options.deadline, logger: options.logger, now: options.clock.now() };
  const read = await readDetails(reading, oldestFirst.map(({ run, update }) => ({ run, progress: update.details as DetailsProgress })));
  for (const { run, update } of decisions.reading) {
    if (read.complete.has(run.id)) delete update.details;
    else update.details = read.progress.get(run.id);
  }
  decisions.details = read;
  // Each set's history is one more list-runs call, which fast follow's pace must count.
  decisions.report.listRunsCalls += read.historyReads;
}

/** Runs reported earlier whose details this tick completed: their complete summary goes out now. */
function completing(decisions: Decisions): { run: Run; update: WatchedRun }[] {
  const finishing = new Set(decisions.finishing.map((run) => run.id));
  return decisions.reading.filter(({ run }) => !finishing.has(run.id) && !decisions.changes.removals.has(run.id) && decisions.details?.complete.has(run.id));
}

/** What a run's summary still awaits: nothing once its details are read, or when no later tick will watch it. */
function awaitedParts(decisions: Decisions, run: Run): SummaryPart[] {
  const progress = decisions.reading.find((reading) => reading.run.id === run.id)?.update.details;
  if (!progress || decisions.changes.removals.has(run.id)) return [];
  return progress.judgeNext !== undefined ? ["reasons", "trend"] : ["trend"];
}

/** The judge's results read so far for runs whose reasons are not awaited, and the histories this tick read. */
async function detailsOf(options: TickOptions, decisions: Decisions, runs: readonly Run[]) {
  const judged = new Map<string, JudgeResults>();
  for (const run of runs) {
    const progress = decisions.details?.progress.get(run.id);
    if (!progress || awaitedParts(decisions, run).includes("reasons")) continue;
    if (progress.judgeUnavailable) judged.set(run.id, { unavailable: progress.judgeUnavailable });
    else if (progress.judgePages > 0) judged.set(run.id, await judgeResultsFromPages(options.state, run));
  }
  return { judged, histories: decisions.details?.histories ?? new Map<string, Run[]>() };
}

/**
 * One Run Finished per finishing run, at once (with what it awaits, if anything); another when
 * an awaited summary is complete; and one for runs given up on after finishing.
 */
async function summarize(options: TickOptions, decisions: Decisions, names: NameBook | undefined) {
  const { finishing, gaveUpFinished } = decisions;
  const complete = completing(decisions).map(({ run }) => run);
  const runs = [...finishing, ...complete, ...gaveUpFinished];
  if (runs.length === 0) return;
  const summaries = await summarizeRuns(options.amigo, options.state, runs, {
    finishedAt: decisions.finishedAt,
    gaveUpAfterHours: decisions.gaveUp,
    details: await detailsOf(options, decisions, runs),
    ...(names ? { names } : {}),
    log: options.logger,
  });
  const kept = summaries.map((summary, index): RunSummary => {
    const awaiting = awaitedParts(decisions, runs[index]!);
    if (awaiting.length === 0) return summary;
    // What changed since the previous run comes with the trend, from the same history (baselineOf).
    const { diff: _comesWithTheTrend, ...verdictFirst } = summary;
    return { ...(awaiting.includes("trend") ? verdictFirst : summary), awaiting };
  });
  await mapConcurrent(kept.slice(0, finishing.length + complete.length), STATE_CONCURRENCY, (summary) => storeSummary(options.state, summary));
  kept.forEach((summary, index) => {
    const id = index < finishing.length ? eventIds.runFinished(summary.runId) : index < finishing.length + complete.length ? eventIds.summaryComplete(summary.runId) : eventIds.gaveUp(summary.runId);
    const setName = names?.sets.get(summary.setId);
    decisions.events.push({
      id,
      event: event("Run Finished", { runId: summary.runId, setId: summary.setId, ...(setName ? { setName } : {}), verdict: summary.verdict, summary }),
    });
  });
}

/** The run's summary for the archiver and `/sim status`: a complete one replaces one that awaited parts, never the reverse. */
async function storeSummary(state: StateStore, summary: RunSummary) {
  await updateState<RunSummary>(state, stateKeys.runSummary(summary.runId), (current) => (current && (!current.awaiting || summary.awaiting) ? undefined : summary));
}

/** Artifacts Ready for runs whose artifacts are ready, once their summary is complete (the archive stores it). */
async function askForArchives(options: TickOptions, owner: ClaimOwner, decisions: Decisions) {
  for (const { run, entry, update } of decisions.archivable) {
    if (update.details && !decisions.changes.removals.has(run.id)) continue;
    await askForArchive(options, owner, decisions, run, entry, update);
  }
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
