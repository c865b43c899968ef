/**
 * Fast follow: while runs are in progress, the poller ticks again every
 * FOLLOW_INTERVAL_SECONDS inside one invocation, so a finish reaches Slack within seconds,
 * not at the next one-minute schedule. The pace is also bounded by Amigo's published limit on
 * listing runs (50 a minute): a tick lists every page of what is in progress, so with many runs
 * in progress the ticks space out until their calls fit in the share of that limit the poller
 * may use. That pace holds across invocations too: a Lambda invocation stops following early
 * enough that the first tick of the next scheduled one is no closer than the pace allows.
 * With nothing in progress it ticks once, as before.
 */
import { sleep } from "../util/backoff.js";
import type { Deadline } from "../util/deadline.js";
import type { TickReport } from "./poll.js";

/**
 * A tick's deadline: at most this long, and never later than the invocation's time less
 * TICK_SAVE_MARGIN_MS (what recording, saving and delivering need after the deadline).
 */
export const TICK_BUDGET_MS = 50_000;
export const TICK_SAVE_MARGIN_MS = 5_000;

/** The deadline of a tick starting now, in an invocation with `remainingMs` left. */
export function tickDeadline(remainingMs: () => number, nowMs: () => number = Date.now): Deadline {
  const budgetEnds = nowMs() + TICK_BUDGET_MS;
  return { remainingMs: () => Math.min(budgetEnds - nowMs(), remainingMs() - TICK_SAVE_MARGIN_MS) };
}

/** Amigo's published limit on `GET unit_test_set_run/` (list runs), per minute. */
export const LIST_RUNS_PER_MINUTE = 50;

export interface FollowOptions {
  followIntervalMs: number;
  /** Time left in this invocation (Lambda), or Infinity for a process that keeps running. */
  remainingMs: () => number;
  /**
   * Time until the schedule invokes the poller again, whose first tick comes unpaced (Lambda);
   * absent for a process that keeps ticking itself (serve).
   */
  nextInvocationInMs?: () => number;
  /**
   * The last tick any invocation made (from the watch list): the first tick here waits for its
   * pace, or is left to a later invocation when that wait does not fit in this one.
   */
  lastTick?: () => Promise<{ atMs: number; listRunsCalls: number } | undefined>;
  /** The clock `lastTick` was stamped with. Default Date.now. */
  nowMs?: () => number;
  /** The share of the list-runs limit the poller may use (the command worker uses some too). Default 0.5. */
  shareOfLimit?: number;
  /** Stop following when this is aborted (serve shutting down). */
  signal?: AbortSignal;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The gap between ticks that keeps their list calls inside the poller's share of the limit in
 * any sliding minute, not only on average: ticks of c calls fit floor(share / c) to a minute
 * (a 21-call tick a minute, not one every 50.4 s, two of which a minute could hold). A tick of
 * more calls than the share is spaced by its own size.
 */
function paceMs(report: Pick<TickReport, "listRunsCalls">, shareOfLimit = 0.5): number {
  const share = LIST_RUNS_PER_MINUTE * shareOfLimit;
  const calls = Math.max(1, report.listRunsCalls);
  const ticksPerMinute = Math.floor(share / calls);
  return ticksPerMinute >= 1 ? Math.ceil(60_000 / ticksPerMinute) : Math.ceil((calls * 60_000) / share);
}

/** Waits out the pace of the last tick an earlier invocation made; false when that wait does not fit. */
async function paceFirstTick(options: FollowOptions, wait: (ms: number) => Promise<void>): Promise<boolean> {
  const last = await options.lastTick?.();
  if (last === undefined) return true;
  // A pace within the follow interval is no reason to wait: the schedule spaces invocations more.
  const pace = paceMs(last, options.shareOfLimit);
  if (pace <= options.followIntervalMs) return true;
  const waitMs = last.atMs + pace - (options.nowMs ?? Date.now)();
  if (waitMs <= 0) return true;
  if (options.remainingMs() < waitMs + 2_000) return false;
  await wait(waitMs);
  return true;
}

/** How long to wait before the next tick, or undefined when nothing is in progress. */
export function followDelayMs(report: TickReport, options: Pick<FollowOptions, "followIntervalMs" | "shareOfLimit">): number | undefined {
  if (report.inProgress === 0) return undefined;
  return Math.max(options.followIntervalMs, paceMs(report, options.shareOfLimit));
}

/**
 * Ticks (once the last tick's pace allows), then keeps ticking while runs are in progress, the
 * next tick (judged by how long the last one took, doubled, plus a margin) still fits in the time
 * left, and it would leave the next scheduled invocation's first tick at least the pace away.
 * Returns every report (none when the pace left this invocation nothing to do).
 */
export async function follow(tick: (deadline: Deadline) => Promise<TickReport>, options: FollowOptions): Promise<TickReport[]> {
  const reports: TickReport[] = [];
  const wait = options.sleep ?? sleep;
  if (!(await paceFirstTick(options, wait))) return reports;
  for (;;) {
    const started = Date.now();
    const report = await tick(tickDeadline(options.remainingMs));
    reports.push(report);
    const delay = followDelayMs(report, options);
    const tickMs = Date.now() - started;
    if (delay === undefined || options.signal?.aborted) return reports;
    if (options.remainingMs() < delay + 2 * tickMs + 2_000) return reports;
    const nextInvocationInMs = options.nextInvocationInMs?.() ?? Number.POSITIVE_INFINITY;
    if (nextInvocationInMs - delay < paceMs(report, options.shareOfLimit)) return reports;
    await wait(delay);
    if (options.signal?.aborted) return reports;
  }
}
