import { describe, expect, it } from "vitest";
import { follow, followDelayMs } from "../../functions/core/follow.js";
import type { TickReport } from "../../functions/core/poll.js";

const report = (inProgress: number, listRunsCalls = Math.max(1, Math.ceil(inProgress / 50)) + 1): TickReport => ({
  firstPoll: false,
  inProgress,
  watched: inProgress,
  started: 0,
  finished: 0,
  artifactsReady: 0,
  archived: 0,
  gaveUp: 0,
  events: 0,
  resent: 0,
  skipped: 0,
  listRunsCalls,
});

describe("fast follow", () => {
  it("ticks once and stops when nothing is in progress", async () => {
    const slept: number[] = [];
    const reports = await follow(async () => report(0), { followIntervalMs: 10_000, remainingMs: () => 55_000, sleep: async (ms) => void slept.push(ms) });
    expect(reports).toHaveLength(1);
    expect(slept).toEqual([]);
  });

  it("ticks every follow interval while a run is in progress, until the invocation's time runs out", async () => {
    let remaining = 55_000;
    const slept: number[] = [];
    const reports = await follow(async () => report(1), {
      followIntervalMs: 10_000,
      remainingMs: () => remaining,
      sleep: async (ms) => {
        slept.push(ms);
        remaining -= ms;
      },
    });
    expect(slept.every((ms) => ms === 10_000)).toBe(true);
    // 55 s: ticks at 0, 10, 20, 30, 40 and 50 s; after that 5 s are left, short of another interval.
    expect(reports).toHaveLength(6);
  });

  it("stops as soon as the last run finishes", async () => {
    const inProgress = [2, 1, 0, 3];
    const reports = await follow(async () => report(inProgress.shift() ?? 0), { followIntervalMs: 10_000, remainingMs: () => Infinity, sleep: async () => {} });
    expect(reports.map((r) => r.inProgress)).toEqual([2, 1, 0]);
  });

  it("spaces ticks out so that many runs in progress stay inside half of Amigo's 50 list calls a minute", () => {
    expect(followDelayMs(report(1), { followIntervalMs: 10_000 })).toBe(10_000);
    // 1,000 in progress: 20 pages + the short-run page = 21 calls a tick, at most 25 a minute.
    const delay = followDelayMs(report(1_000), { followIntervalMs: 10_000 }) ?? 0;
    expect(delay).toBe(50_400);
    expect((21 * 60_000) / delay).toBeLessThanOrEqual(25);
  });

  it("stops when asked to (serve shutting down)", async () => {
    const abort = new AbortController();
    const reports = await follow(
      async () => {
        abort.abort();
        return report(5);
      },
      { followIntervalMs: 10, remainingMs: () => Infinity, signal: abort.signal, sleep: async () => {} },
    );
    expect(reports).toHaveLength(1);
  });
});
