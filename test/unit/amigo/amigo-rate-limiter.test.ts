import { describe, expect, it } from "vitest";
import { ClientRateLimiter } from "../../../functions/amigo/rate-limiter.js";
import { RateLimited } from "../../../functions/core/model/amigo-errors.js";
import { deadlineIn } from "../../../functions/core/util/deadline.js";

function clock() {
  let now = 0;
  const slept: number[] = [];
  return { now: () => now, sleep: async (ms: number) => void (slept.push(ms), (now += ms)), slept, advance: (ms: number) => (now += ms) };
}

describe("ClientRateLimiter", () => {
  it("lets this process's share of an endpoint's published limit through in any minute, then waits for the oldest to age out", async () => {
    const c = clock();
    const limiter = new ClientRateLimiter(0.5, c.sleep, c.now);
    // listRuns: 50 a minute, half of it ours.
    expect(limiter.allowance("listRuns")).toBe(25);
    for (let i = 0; i < 25; i++) {
      await limiter.take("listRuns");
      c.advance(100);
    }
    expect(c.slept).toEqual([]);
    await limiter.take("listRuns");
    expect(c.slept).toHaveLength(1);
    // The first request was at 0 ms: the 26th goes just after it leaves the sliding minute.
    expect(c.now()).toBe(60_001);
  });

  it("keeps endpoints apart", async () => {
    const c = clock();
    const limiter = new ClientRateLimiter(1, c.sleep, c.now);
    for (let i = 0; i < 10; i++) await limiter.take("cancelRun");
    await limiter.take("listRuns");
    expect(c.slept).toEqual([]);
    await limiter.take("cancelRun");
    expect(c.slept).toHaveLength(1);
  });

  it("never waits past the caller's deadline: it says when the next request fits instead", async () => {
    const c = clock();
    const limiter = new ClientRateLimiter(1, c.sleep, c.now);
    // listMetricResults: 10 a minute.
    for (let i = 0; i < 10; i++) await limiter.take("listMetricResults", deadlineIn(55_000, c.now));
    c.advance(5_000);
    const refused = await limiter.take("listMetricResults", deadlineIn(30_000, c.now)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RateLimited);
    expect((refused as RateLimited).retryAfterSeconds).toBe(56);
    expect(c.slept).toEqual([]);
    // A wait that ends in time is made.
    await limiter.take("listMetricResults", deadlineIn(60_000, c.now));
    expect(c.slept).toEqual([55_001]);
  });

  it("keeps the pace of requests another process made, restored from state", async () => {
    const earlier = clock();
    const first = new ClientRateLimiter(1, earlier.sleep, earlier.now);
    for (let i = 0; i < 10; i++) await first.take("listMetricResults");
    earlier.advance(20_000);
    const handed = first.recent();
    expect(handed.listMetricResults).toHaveLength(10);

    const later = clock();
    later.advance(20_000);
    const second = new ClientRateLimiter(1, later.sleep, later.now);
    second.restore(handed);
    await expect(second.take("listMetricResults", deadlineIn(30_000, later.now))).rejects.toBeInstanceOf(RateLimited);
    // Restoring what this process counted itself (a warm container) counts nothing twice.
    second.restore(second.recent());
    expect(second.recent().listMetricResults).toHaveLength(10);
    // Requests older than a minute are not restored.
    later.advance(40_001);
    await second.take("listMetricResults", deadlineIn(1_000, later.now));
    expect(later.slept).toEqual([]);
  });
});
