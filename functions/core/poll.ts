/**
 * One poller tick: notice runs starting and finishing, and artifacts becoming ready.
 *
 * Amigo calls grow with pages, never with runs: the in-progress list (every page), the
 * short-run list (created since the last tick and already completed), watched runs that
 * left the in-progress list fetched by id in batches of 50, and name look-ups only when
 * something finished. Exactly-once comes from one marker object per event per run,
 * created with IfNoneMatch "*" before the event is published; a tick that fails before
 * saving its watch list is simply repeated by the next one, so an Amigo outage loses nothing.
 */
import type { Run, UserInfo } from "./amigo-model.js";
import { event, type SimwatchEvent, type SlackOrigin } from "./events.js";
import type { Logger } from "./log.js";
import type { AmigoApi, Clock, EventBus, StateStore } from "./ports.js";
import { summarizeRuns } from "./run-summaries.js";
import { mapConcurrent, STATE_CONCURRENCY } from "./concurrency.js";
import { stateKeys } from "./state-keys.js";
import { previousOutcomeOf, type PreviousRunOutcome } from "./summary.js";

export interface WatchedRun {
  setId: string;
  createdAt: string;
  creator: UserInfo;
  firstSeenAt: string;
  /** When a tick first saw the run completed. */
  finishedAt?: string;
  /** When Artifacts Ready was last emitted for the run. */
  artifactsReadyAt?: string;
}

export interface Watchlist {
  version: 1;
  /** When simwatch first polled: runs that finished before then are not reported. */
  startedAt: string;
  /** Start time of the last successful tick: the next tick looks for short runs created since. */
  lastListedAt: string;
  runs: Record<string, WatchedRun>;
}

export interface PollerOptions {
  amigo: AmigoApi;
  state: StateStore;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  /** A run stays watched at most this long after it was created. */
  giveUpAfterHours: number;
  /** Re-emit Artifacts Ready when a run is still not archived this long after the last one. */
  rearchiveAfterMinutes?: number;
  /** Overlap of the short-run window, for clock skew between simwatch and Amigo. */
  shortRunMarginMinutes?: number;
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
  events: number;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

const minutes = (count: number) => count * 60_000;

/** Changes a tick makes to the watch list, re-applied on top of a newer version after a race. */
interface WatchlistChanges {
  upserts: Map<string, WatchedRun>;
  removals: Set<string>;
  listedAt: string;
}

function applyChanges(base: Watchlist | undefined, changes: WatchlistChanges): Watchlist {
  const runs: Record<string, WatchedRun> = { ...(base?.runs ?? {}) };
  for (const [runId, entry] of changes.upserts) {
    const existing = runs[runId];
    const finishedAt = [existing?.finishedAt, entry.finishedAt].filter((v): v is string => !!v).sort()[0];
    const artifactsReadyAt = [existing?.artifactsReadyAt, entry.artifactsReadyAt].filter((v): v is string => !!v).sort().at(-1);
    runs[runId] = {
      ...existing,
      ...entry,
      firstSeenAt: existing?.firstSeenAt ?? entry.firstSeenAt,
      ...(finishedAt ? { finishedAt } : {}),
      ...(artifactsReadyAt ? { artifactsReadyAt } : {}),
    };
  }
  for (const runId of changes.removals) delete runs[runId];
  const lastListedAt = base && base.lastListedAt > changes.listedAt ? base.lastListedAt : changes.listedAt;
  return { version: 1, startedAt: base?.startedAt ?? changes.listedAt, lastListedAt, runs };
}

async function saveWatchlist(state: StateStore, changes: WatchlistChanges, etag: string | undefined): Promise<void> {
  const key = stateKeys.watchlist();
  let current = etag === undefined ? undefined : await state.get<Watchlist>(key);
  let currentEtag = etag;
  for (let attempt = 0; attempt < 8; attempt++) {
    const next = applyChanges(current?.value, changes);
    const saved = currentEtag === undefined ? await state.create(key, next) : await state.replace(key, next, currentEtag);
    if (saved) return;
    // Another tick wrote in between: re-read and apply our changes on top of its version.
    current = await state.get<Watchlist>(key);
    currentEtag = current?.etag;
  }
  throw new Error("could not save the poller's watch list: it kept changing under this tick");
}

function watchedEntry(run: Run, now: string): WatchedRun {
  return { setId: run.simulation_unit_test_set_id, createdAt: run.created_at, creator: run.creator, firstSeenAt: now };
}

export async function pollOnce(options: PollerOptions): Promise<TickReport> {
  const { amigo, state, bus, clock, logger } = options;
  const now = clock.now();
  const nowIso = now.toISOString();
  const stored = await state.get<Watchlist>(stateKeys.watchlist());
  const watchlist = stored?.value;
  const watched = watchlist?.runs ?? {};

  const inProgress = await collect(amigo.listRuns({ is_completed: false }));
  const inProgressIds = new Set(inProgress.map((run) => run.id));

  // Watched runs that left the in-progress list: fetch them by id to see how they ended.
  const leftProgress = Object.keys(watched).filter((runId) => !inProgressIds.has(runId));
  const fetched = leftProgress.length > 0 ? await amigo.getRuns(leftProgress) : [];
  const fetchedIds = new Set(fetched.map((run) => run.id));

  // Runs that started and finished between two ticks never appear in progress.
  let shortRuns: Run[] = [];
  if (watchlist) {
    const since = new Date(Date.parse(watchlist.lastListedAt) - minutes(options.shortRunMarginMinutes ?? 5));
    const recent = await collect(amigo.listRuns({ is_completed: true, created_after: since }));
    const candidates = recent.filter((run) => !(run.id in watched) && !inProgressIds.has(run.id));
    const archived = await mapConcurrent(candidates, STATE_CONCURRENCY, (run) => state.get(stateKeys.archivedMarker(run.id)));
    shortRuns = candidates.filter((_, index) => archived[index] === undefined);
  }

  const changes: WatchlistChanges = { upserts: new Map(), removals: new Set(), listedAt: nowIso };
  const events: { marker?: string; event: SimwatchEvent }[] = [];
  const report: TickReport = {
    firstPoll: !watchlist,
    inProgress: inProgress.length,
    watched: 0,
    started: 0,
    finished: 0,
    artifactsReady: 0,
    archived: 0,
    gaveUp: 0,
    events: 0,
  };
  const giveUpMs = options.giveUpAfterHours * 3_600_000;
  const isTooOld = (createdAt: string) => now.getTime() - Date.parse(createdAt) > giveUpMs;

  const runStarted = (run: Run, origin: SlackOrigin | undefined) => {
    events.push({
      marker: stateKeys.runStartedMarker(run.id),
      event: event("Run Started", {
        runId: run.id,
        setId: run.simulation_unit_test_set_id,
        createdAt: run.created_at,
        creator: run.creator,
        ...(origin ? { origin } : {}),
      }),
    });
  };

  // New in-progress runs, and short ones found by creation time.
  const newRuns = [...inProgress.filter((run) => !(run.id in watched)), ...shortRuns];
  const origins = await mapConcurrent(newRuns, STATE_CONCURRENCY, async (run) => (await state.get<SlackOrigin>(stateKeys.runOrigin(run.id)))?.value);
  newRuns.forEach((run, index) => {
    changes.upserts.set(run.id, watchedEntry(run, nowIso));
    runStarted(run, origins[index]);
  });

  // Completed runs: watched ones that finished, and short ones found by creation time.
  const finishing: Run[] = [];
  const finishedAt = new Map<string, string>();
  const gaveUp = new Map<string, number>();
  /** Runs reported finished earlier whose artifacts never got archived. */
  const gaveUpFinished: Run[] = [];
  const completedRuns = [...fetched.filter((run) => run.is_completed), ...shortRuns];
  for (const run of completedRuns) {
    const entry = watched[run.id] ?? changes.upserts.get(run.id) ?? watchedEntry(run, nowIso);
    const update: WatchedRun = { ...entry };
    if (!entry.finishedAt) {
      update.finishedAt = nowIso;
      finishing.push(run);
      finishedAt.set(run.id, nowIso);
    }
    if (run.artifacts_generated) {
      const lastReady = entry.artifactsReadyAt ? Date.parse(entry.artifactsReadyAt) : undefined;
      const archived = lastReady !== undefined && (await state.get(stateKeys.archivedMarker(run.id))) !== undefined;
      if (archived) {
        changes.removals.add(run.id);
        report.archived++;
        continue;
      }
      const detail = { runId: run.id, setId: run.simulation_unit_test_set_id };
      if (lastReady === undefined) {
        events.push({ marker: stateKeys.artifactsReadyMarker(run.id), event: event("Artifacts Ready", detail) });
        update.artifactsReadyAt = nowIso;
      } else if (now.getTime() - lastReady > minutes(options.rearchiveAfterMinutes ?? 15)) {
        // Still not archived: ask again (the archiver is idempotent).
        logger.warn("poller.rearchive", { runId: run.id });
        events.push({ event: event("Artifacts Ready", detail) });
        update.artifactsReadyAt = nowIso;
      }
    }
    if (isTooOld(run.created_at)) {
      changes.removals.add(run.id);
      report.gaveUp++;
      logger.warn("poller.give_up", { runId: run.id, reason: "artifacts never archived" });
      // The run's summary says so: in its one Run Finished, or in a second one that updates the message.
      gaveUp.set(run.id, options.giveUpAfterHours);
      if (entry.finishedAt) {
        gaveUpFinished.push(run);
        finishedAt.set(run.id, entry.finishedAt);
      }
      continue;
    }
    changes.upserts.set(run.id, update);
  }

  // Watched runs still running (or vanished) past the give-up age.
  for (const [runId, entry] of Object.entries(watched)) {
    if (changes.removals.has(runId) || entry.finishedAt) continue;
    const stillRunning = inProgressIds.has(runId) || fetched.some((run) => run.id === runId && !run.is_completed);
    if (!stillRunning && !fetchedIds.has(runId)) {
      logger.warn("poller.run_vanished", { runId });
      if (isTooOld(entry.createdAt)) changes.removals.add(runId);
      continue;
    }
    if (stillRunning && isTooOld(entry.createdAt)) {
      const run = inProgress.find((candidate) => candidate.id === runId) ?? fetched.find((candidate) => candidate.id === runId);
      if (!run) continue;
      finishing.push(run);
      gaveUp.set(runId, options.giveUpAfterHours);
      changes.removals.add(runId);
      report.gaveUp++;
    }
  }

  if (finishing.length + gaveUpFinished.length > 0) {
    const summaries = await summarizeRuns(amigo, state, [...finishing, ...gaveUpFinished], { finishedAt, gaveUpAfterHours: gaveUp });
    await mapConcurrent(summaries.slice(0, finishing.length), STATE_CONCURRENCY, (summary) => state.create(stateKeys.runSummary(summary.runId), summary));
    summaries.forEach((summary, index) => {
      const marker = index < finishing.length ? stateKeys.runFinishedMarker(summary.runId) : stateKeys.gaveUpMarker(summary.runId);
      events.push({ marker, event: event("Run Finished", { runId: summary.runId, setId: summary.setId, verdict: summary.verdict, summary }) });
    });
  }

  const published = await publishOnce(state, bus, events, nowIso);
  for (const sent of published) {
    if (sent.detailType === "Run Started") report.started++;
    if (sent.detailType === "Run Finished") report.finished++;
    if (sent.detailType === "Artifacts Ready") report.artifactsReady++;
  }
  report.events = published.length;

  await rememberFinishedRuns(state, finishing, published);
  await saveWatchlist(state, changes, stored?.etag);
  report.watched = Object.keys(applyChanges(watchlist, changes).runs).length;
  logger.info("poller.tick", { ...report });
  return report;
}

/**
 * Claims each event's marker, then publishes what it claimed in one call. Another tick that
 * claimed a marker first owns that event. If publishing fails, the claims are released so
 * the next tick emits the events again.
 */
async function publishOnce(
  state: StateStore,
  bus: EventBus,
  candidates: readonly { marker?: string; event: SimwatchEvent }[],
  at: string,
): Promise<SimwatchEvent[]> {
  const won = await mapConcurrent(candidates, STATE_CONCURRENCY, (candidate) =>
    candidate.marker ? state.create(candidate.marker, { at }) : Promise.resolve(true),
  );
  const claimed = candidates.flatMap((candidate, index) => (candidate.marker && won[index] ? [candidate.marker] : []));
  const toPublish = candidates.filter((_, index) => won[index]).map((candidate) => candidate.event);
  if (toPublish.length === 0) return [];
  try {
    await bus.publish(toPublish);
  } catch (error) {
    await Promise.allSettled(claimed.map((marker) => state.delete(marker)));
    throw error;
  }
  return toPublish;
}

/** Keeps each set's latest finished run, for the next run's diff. Cancelled and unfinished runs are not a baseline. */
async function rememberFinishedRuns(state: StateStore, finishing: readonly Run[], published: readonly SimwatchEvent[]) {
  const latestBySet = new Map<string, Run>();
  for (const sent of published) {
    if (sent.detailType !== "Run Finished" || sent.detail.verdict === "cancelled" || sent.detail.verdict === "running") continue;
    const run = finishing.find((candidate) => candidate.id === sent.detail.runId);
    const latest = run && latestBySet.get(run.simulation_unit_test_set_id);
    if (run && (!latest || Date.parse(latest.created_at) < Date.parse(run.created_at))) latestBySet.set(run.simulation_unit_test_set_id, run);
  }
  await mapConcurrent([...latestBySet.values()], STATE_CONCURRENCY, async (run) => {
    const outcome = previousOutcomeOf(run);
    const key = stateKeys.lastFinishedRun(run.simulation_unit_test_set_id);
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await state.get<PreviousRunOutcome>(key);
      if (current && Date.parse(current.value.createdAt) >= Date.parse(outcome.createdAt)) return;
      const saved = current ? await state.replace(key, outcome, current.etag) : await state.create(key, outcome);
      if (saved) return;
    }
  });
}
