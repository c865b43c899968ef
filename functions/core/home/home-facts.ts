/**
 * What every person's Home is built from, read once for everybody: the sets that ran in the
 * last 7 days (each with its latest verdict, sparkline and last run time), what is running, who
 * started the recent runs from Slack, and the schedules. The same Amigo reads as `/sim status`
 * (one listing of the last 7 days' runs, one look-up of the sets' names); the rest is state.
 */
import type { Run } from "../model/amigo-model.js";
import type { SlackOrigin } from "../events.js";
import type { AmigoApi, StateStore } from "../ports.js";
import { stateKeys } from "../idempotency/state-keys.js";
import type { Verdict } from "../model/verdict.js";
import { cancelledRuns } from "../summary/cancel-requests.js";
import { HISTORY_RUNS, sparkline, trendOf } from "../summary/run-history.js";
import { verdictOf } from "../summary/summary.js";
import { take } from "../util/async-items.js";
import { mapConcurrent } from "../util/concurrency.js";
import { listSchedules } from "../schedules/schedules.js";
import { describeSchedule, nextRunOf } from "../schedules/schedule.js";

/** The Home looks back this far and reads at most this many runs (as `/sim status`). */
export const HOME_DAYS = 7;
export const HOME_RUNS_READ = 200;
/** Who started a run is looked up for this many of the newest runs (state reads, not Amigo). */
const ORIGINS_READ = 50;

export interface HomeSet {
  setId: string;
  setName: string;
  latestRunId: string;
  verdict: Verdict;
  /** When its latest run started (ISO). */
  lastRunAt: string;
  /** Unit tests passed over its last finished runs (of those read), oldest first. */
  sparkline: string;
}

export interface HomeRun {
  runId: string;
  setId: string;
  setName: string;
  verdict: Verdict;
  createdAt: string;
  /** The Slack user who started it (or whose schedule did), when it was started from Slack. */
  startedBy?: string;
  scheduled?: boolean;
}

export interface HomeSchedule {
  setId: string;
  setName: string;
  channelId: string;
  owner: string;
  description: string;
  /** Its next time (ISO), if it has one. */
  next?: string;
}

export interface HomeFacts {
  /** When they were read (ISO). */
  readAt: string;
  /** Sets that ran in the last 7 days, most recent first. */
  sets: HomeSet[];
  running: HomeRun[];
  /** The newest runs whose Slack origin is known, newest first. */
  started: HomeRun[];
  schedules: HomeSchedule[];
  /** The listing stopped at HOME_RUNS_READ runs: older sets of the 7 days may be missing. */
  runsCut: boolean;
}

function bySet(runs: readonly Run[]): Map<string, Run[]> {
  const sets = new Map<string, Run[]>();
  for (const run of runs) sets.set(run.simulation_unit_test_set_id, [...(sets.get(run.simulation_unit_test_set_id) ?? []), run]);
  return sets;
}

async function originsOf(state: StateStore, runs: readonly Run[]): Promise<Map<string, SlackOrigin>> {
  const found = await mapConcurrent(runs.slice(0, ORIGINS_READ), 8, async (run) => [run.id, (await state.get<SlackOrigin>(stateKeys.runOrigin(run.id)))?.value] as const);
  return new Map(found.filter((entry): entry is readonly [string, SlackOrigin] => entry[1] !== undefined));
}

async function schedulesOf(state: StateStore, now: Date): Promise<HomeSchedule[]> {
  const schedules = await listSchedules(state);
  return schedules.map((schedule) => {
    const next = nextRunOf(schedule, now);
    return {
      setId: schedule.setId,
      setName: schedule.setName,
      channelId: schedule.channelId,
      owner: schedule.owner,
      description: describeSchedule(schedule),
      ...(next ? { next: next.toISOString() } : {}),
    };
  }).sort((a, b) => (a.next ?? "~").localeCompare(b.next ?? "~"));
}

/** Reads the facts: two Amigo calls (more only when the 7 days' runs span several pages). */
export async function readHomeFacts(deps: { amigo: AmigoApi; state: StateStore }, now: Date): Promise<HomeFacts> {
  const { amigo, state } = deps;
  const since = new Date(now.getTime() - HOME_DAYS * 86_400_000);
  const runs = await take(amigo.listRuns({ created_after: since, sort_by: ["-created_at"] }), HOME_RUNS_READ);
  const sets = [...bySet(runs)];
  const [found, cancelled, origins, schedules] = await Promise.all([
    sets.length === 0 ? [] : amigo.listSets(sets.map(([setId]) => setId)).catch(() => []),
    cancelledRuns(state, runs),
    originsOf(state, runs),
    schedulesOf(state, now),
  ]);
  const names = new Map(found.map((set) => [set.id, set.name]));
  const nameOf = (setId: string) => names.get(setId) ?? setId;
  const homeRun = (run: Run): HomeRun => {
    const origin = origins.get(run.id);
    return {
      runId: run.id,
      setId: run.simulation_unit_test_set_id,
      setName: nameOf(run.simulation_unit_test_set_id),
      verdict: verdictOf(run, cancelled.has(run.id)),
      createdAt: run.created_at,
      ...(origin ? { startedBy: origin.userId, ...(origin.scheduled ? { scheduled: true } : {}) } : {}),
    };
  };
  return {
    readAt: now.toISOString(),
    sets: sets.map(([setId, setRuns]): HomeSet => {
      const latest = setRuns[0] as Run;
      const finished = setRuns.filter((run) => run.is_completed).slice(0, HISTORY_RUNS).reverse();
      return {
        setId,
        setName: nameOf(setId),
        latestRunId: latest.id,
        verdict: verdictOf(latest, cancelled.has(latest.id)),
        lastRunAt: latest.created_at,
        sparkline: sparkline(trendOf(finished).points),
      };
    }),
    running: runs.filter((run) => !run.is_completed).map(homeRun),
    started: runs.filter((run) => origins.has(run.id)).map(homeRun),
    schedules,
    runsCut: runs.length >= HOME_RUNS_READ,
  };
}
