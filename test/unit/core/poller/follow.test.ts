import { describe, expect, it } from "vitest";
import { follow, followDelayMs, TICK_BUDGET_MS, TICK_SAVE_MARGIN_MS, tickDeadline } from "../../../../functions/core/poller/follow.js";
import type { TickReport } from "../../../../functions/core/poller/poll.js";

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

  it("spaces ticks out so that many runs in progress stay inside half of Amigo's 50 list calls in any sliding minute", () => {
    expect(followDelayMs(report(1), { followIntervalMs: 10_000 })).toBe(10_000);
    // 1,000 in progress: 20 pages + the short-run page = 21 calls a tick: one tick a minute.
    expect(followDelayMs(report(1_000), { followIntervalMs: 10_000 })).toBe(60_000);
    for (let calls = 1; calls <= 60; calls++) {
      const delay = followDelayMs(report(1, calls), { followIntervalMs: 10_000 }) ?? 0;
      const starts = Array.from({ length: 30 }, (_, index) => index * delay);
      const busiest = Math.max(...starts.map((from) => starts.filter((at) => at >= from && at < from + 60_000).length * calls));
      // A tick larger than the share is alone in its minute; the rest keep to the share.
      expect(busiest).toBeLessThanOrEqual(Math.max(25, calls));
    }
  });

  it("keeps the pace across invocations: the last tick leaves the next scheduled one's first tick at least the pace away", async () => {
    // A minute's schedule and a 55 s timeout, as deployed; each tick takes no time.
    const ticksOver = async (inProgress: number) => {
      const starts: number[] = [];
      for (let invocation = 0; invocation < 3; invocation++) {
        const invokedAt = invocation * 60_000;
        let now = invokedAt;
        await follow(
          async () => {
            starts.push(now);
            return report(inProgress);
          },
          { followIntervalMs: 10_000, remainingMs: () => invokedAt + 55_000 - now, nextInvocationInMs: () => invokedAt + 60_000 - now, sleep: async (ms) => void (now += ms) },
        );
      }
      return starts;
    };
    // 1,000 in progress (21 calls a tick, a pace of 60 s): one tick an invocation.
    expect(await ticksOver(1_000)).toEqual([0, 60_000, 120_000]);
    // 400 in progress (9 calls, two ticks a minute: a pace of 30 s): two ticks an invocation, the
    // second 30 s before the next invocation's first.
    const starts = await ticksOver(400);
    expect(starts).toEqual([0, 30_000, 60_000, 90_000, 120_000, 150_000]);
    // One run in progress: the follow interval rules, the pace (4.8 s) is no bar.
    expect(await ticksOver(1)).toHaveLength(18);
  });

  it("waits out the pace of the last tick an earlier invocation made, or leaves it to a later invocation", async () => {
    // The last tick, at 0 s, listed 57 pages (a mass finish): a pace of 136.8 s.
    const lastTick = async () => ({ atMs: 0, listRunsCalls: 57 });
    const invoke = async (invokedAt: number) => {
      let now = invokedAt;
      const starts: number[] = [];
      await follow(
        async () => {
          starts.push(now);
          return report(0);
        },
        { followIntervalMs: 10_000, remainingMs: () => invokedAt + 55_000 - now, lastTick, nowMs: () => now, sleep: async (ms) => void (now += ms) },
      );
      return starts;
    };
    // At 60 s the wait (76.8 s) does not fit in 55 s: no tick at all.
    expect(await invoke(60_000)).toEqual([]);
    // At 120 s it does: one tick at 136.8 s.
    expect(await invoke(120_000)).toEqual([136_800]);
    // At 180 s the pace has passed: a tick at once.
    expect(await invoke(180_000)).toEqual([180_000]);
  });

  it("does not wait for a last tick whose pace is within the follow interval", async () => {
    let now = 1_000;
    const starts: number[] = [];
    await follow(
      async () => {
        starts.push(now);
        return report(0);
      },
      // 4 pages a tick is a pace of 10 s (6 ticks a minute), within the interval: invocations a minute apart need no wait.
      { followIntervalMs: 10_000, remainingMs: () => 55_000, lastTick: async () => ({ atMs: 0, listRunsCalls: 4 }), nowMs: () => now, sleep: async (ms) => void (now += ms) },
    );
    expect(starts).toEqual([1_000]);
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

describe("a tick's deadline", () => {
  it("is the tick budget in a process that could run on, and the invocation's time less the saving margin near its end", () => {
    let now = 1_000_000;
    const clock = () => now;
    const unbounded = tickDeadline(() => Number.POSITIVE_INFINITY, clock);
    expect(unbounded.remainingMs()).toBe(TICK_BUDGET_MS);
    now += 20_000;
    expect(unbounded.remainingMs()).toBe(TICK_BUDGET_MS - 20_000);
    let invocationLeft = 30_000;
    const nearTheEnd = tickDeadline(() => invocationLeft, clock);
    expect(nearTheEnd.remainingMs()).toBe(30_000 - TICK_SAVE_MARGIN_MS);
    invocationLeft = 4_000;
    expect(nearTheEnd.remainingMs()).toBeLessThan(0);
  });

  it("is handed to every tick follow makes", async () => {
    const deadlines: number[] = [];
    await follow(async (deadline) => {
      deadlines.push(deadline.remainingMs());
      return { inProgress: 0, listRunsCalls: 1 } as TickReport;
    }, { followIntervalMs: 10_000, remainingMs: () => 40_000 });
    expect(deadlines).toHaveLength(1);
    expect(deadlines[0]).toBeLessThanOrEqual(40_000 - TICK_SAVE_MARGIN_MS);
  });
});
