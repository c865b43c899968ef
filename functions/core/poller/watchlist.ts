/**
 * The poller's watch list: the runs it watches until archived or given up on, and when it
 * last listed. One document, read once per tick and saved with IfMatch; a tick that lost a
 * race re-applies its changes on top of the newer version.
 */
import type { Run, UserInfo } from "../model/amigo-model.js";
import type { RecentRequests, StateStore } from "../ports.js";
import type { DetailsProgress } from "./run-details.js";
import { stateKeys } from "../idempotency/state-keys.js";
import { updateState } from "../idempotency/state-update.js";

export interface WatchedRun {
  setId: string;
  createdAt: string;
  creator: UserInfo;
  firstSeenAt: string;
  /** When a tick first saw the run completed. */
  finishedAt?: string;
  /** When Artifacts Ready was last emitted for the run. */
  artifactsReadyAt?: string;
  /** How many times Artifacts Ready was emitted (re-emitted while the archive stalls). */
  artifactsReadyEmits?: number;
  /** Present while the finished run's summary awaits its details (the judge's reasons, the set's trend). */
  details?: DetailsProgress;
}

export interface Watchlist {
  version: 1;
  /** When simwatch first polled: runs that finished before then are not reported. */
  startedAt: string;
  /** Start time of the last successful tick: the next tick looks for short runs created since. */
  lastListedAt: string;
  /** When the folder store was last pruned of expired state. */
  prunedAt?: string;
  /** The poller's Amigo requests of the last minute by endpoint: the next invocation keeps within the same limits. */
  amigoRequests?: RecentRequests;
  /** The last tick's start and its list-runs calls: the next invocation's first tick keeps its pace. */
  lastTick?: TickPace;
  runs: Record<string, WatchedRun>;
}

export interface TickPace {
  at: string;
  listRunsCalls: number;
}

/** Changes a tick makes to the watch list, re-applied on top of a newer version after a race. */
export interface WatchlistChanges {
  upserts: Map<string, WatchedRun>;
  removals: Set<string>;
  listedAt: string;
  prunedAt?: string;
  amigoRequests?: RecentRequests;
  lastTick?: TickPace;
}

export const noChanges = (listedAt: string): WatchlistChanges => ({ upserts: new Map(), removals: new Set(), listedAt });

const earliest = (...values: (string | undefined)[]) => values.filter((v): v is string => !!v).sort()[0];
const latest = (...values: (string | undefined)[]) => values.filter((v): v is string => !!v).sort().at(-1);

export function watchedEntry(run: Run, now: string): WatchedRun {
  return { setId: run.simulation_unit_test_set_id, createdAt: run.created_at, creator: run.creator, firstSeenAt: now };
}

export function applyChanges(base: Watchlist | undefined, changes: WatchlistChanges): Watchlist {
  const runs: Record<string, WatchedRun> = { ...(base?.runs ?? {}) };
  for (const [runId, entry] of changes.upserts) {
    const existing = runs[runId];
    const finishedAt = earliest(existing?.finishedAt, entry.finishedAt);
    const artifactsReadyAt = latest(existing?.artifactsReadyAt, entry.artifactsReadyAt);
    const emits = Math.max(existing?.artifactsReadyEmits ?? 0, entry.artifactsReadyEmits ?? 0);
    // The tick's own entry says whether details are still awaited: its read of them is the latest.
    const { details: _earlier, ...kept } = existing ?? {};
    runs[runId] = {
      ...kept,
      ...entry,
      firstSeenAt: existing?.firstSeenAt ?? entry.firstSeenAt,
      ...(finishedAt ? { finishedAt } : {}),
      ...(artifactsReadyAt ? { artifactsReadyAt } : {}),
      ...(emits > 0 ? { artifactsReadyEmits: emits } : {}),
    };
  }
  for (const runId of changes.removals) delete runs[runId];
  const lastListedAt = latest(base?.lastListedAt, changes.listedAt) ?? changes.listedAt;
  const prunedAt = latest(base?.prunedAt, changes.prunedAt);
  const amigoRequests = changes.amigoRequests ?? base?.amigoRequests;
  const lastTick = [base?.lastTick, changes.lastTick].filter((tick): tick is TickPace => tick !== undefined).sort((a, b) => a.at.localeCompare(b.at)).at(-1);
  return {
    version: 1,
    startedAt: base?.startedAt ?? changes.listedAt,
    lastListedAt,
    ...(prunedAt ? { prunedAt } : {}),
    ...(amigoRequests ? { amigoRequests } : {}),
    ...(lastTick ? { lastTick } : {}),
    runs,
  };
}

export async function readWatchlist(state: StateStore): Promise<Watchlist | undefined> {
  return (await state.get<Watchlist>(stateKeys.watchlist()))?.value;
}

/** Saves the tick's changes on top of whatever version is stored now. */
export async function saveWatchlist(state: StateStore, changes: WatchlistChanges): Promise<Watchlist> {
  const saved = await updateState<Watchlist>(state, stateKeys.watchlist(), (current) => applyChanges(current, changes));
  return saved.value ?? applyChanges(undefined, changes);
}
