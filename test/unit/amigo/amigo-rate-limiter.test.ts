import { describe, expect, it } from "vitest";
import { ClientRateLimiter } from "../../../functions/amigo/rate-limiter.js";

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
});
