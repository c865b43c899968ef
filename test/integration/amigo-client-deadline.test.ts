/** The client inside a step's deadline: no wait, retry or attempt past it; page by page reads that can stop and go on. */
import { describe, expect, it } from "vitest";
import { DeadlineReached, isDeferral, RateLimited } from "../../functions/core/model/amigo-errors.js";
import { deadlineIn } from "../../functions/core/util/deadline.js";
import { rejectionOf, testClient, useSimulator } from "../support/simulator.js";

const sim = useSimulator({ tokenLifetimeMs: 60 * 60_000 });

function finishedRun(unitTests = 3): string {
  const set = sim.control.addSet({
    name: `Deadline set ${sim.control.sets().length}`,
    unitTests: Array.from({ length: unitTests }, (_, index) => ({ name: `Case ${index}`, criteria: [{ name: "Resolved", metric: "Resolution", criterion: { type: "boolean" as const, expected_value: true } }], runCount: 2 })),
  });
  const runId = sim.control.createRun({ set: set.id, creator: "deadline-user", outcome: { durationMs: 1_000 } });
  sim.control.advance(1_000);
  return runId;
}

describe("an Amigo call inside a deadline", () => {
  it("does not wait for a Retry-After that ends past the deadline: it fails at once, saying when to come back", async () => {
    const runId = finishedRun();
    const slept: number[] = [];
    const { client, attempts } = testClient(sim, { sleep: async (ms) => void slept.push(ms), retry: { maxRetryAfterMs: 120_000 } });
    sim.control.setRateLimits(true, { listMetricResults: 1 });
    await client.listMetricResults(runId);
    const refused = await rejectionOf(client.withDeadline(deadlineIn(5_000)).listMetricResults(runId));
    expect(refused).toBeInstanceOf(RateLimited);
    expect(isDeferral(refused)).toBe(true);
    expect((refused as RateLimited).retryAfterSeconds).toBeGreaterThan(5);
    expect(slept).toEqual([]);
    expect(attempts.filter((a) => a.endpoint === "listMetricResults").map((a) => a.status)).toEqual([200, 429]);
    // Without a deadline the same 429 is waited for and retried.
    await client.listMetricResults(runId).catch(() => undefined);
    expect(slept.length).toBeGreaterThan(0);
  });

  it("holds its own share back without waiting past the deadline", async () => {
    const runId = finishedRun();
    const slept: number[] = [];
    const { client, attempts } = testClient(sim, { sleep: async (ms) => void slept.push(ms), rateLimitShare: 0.5 });
    const bounded = client.withDeadline(deadlineIn(30_000, () => sim.control.now().getTime()));
    // listMetricResults: 10 a minute, 5 of them this process's.
    for (let i = 0; i < 5; i++) await bounded.metricResultsPage(runId, 0);
    const refused = await rejectionOf(bounded.metricResultsPage(runId, 0));
    expect(refused).toBeInstanceOf(RateLimited);
    expect(slept).toEqual([]);
    expect(attempts.filter((a) => a.endpoint === "listMetricResults")).toHaveLength(5);
  });

  it("starts no attempt when too little time is left, and cuts a slow answer at the deadline instead of retrying it", async () => {
    const { client, attempts } = testClient(sim, { timeoutMs: 5_000 });
    await client.listSets();
    const before = attempts.length;
    expect(await rejectionOf(client.withDeadline(deadlineIn(500)).listSets())).toBeInstanceOf(DeadlineReached);
    expect(attempts.length).toBe(before);

    sim.control.faults.delayNext("listSets", { ms: 3_000, count: 3 });
    const cut = await rejectionOf(client.withDeadline(deadlineIn(1_500)).listSets());
    expect(cut).toBeInstanceOf(DeadlineReached);
    expect(attempts.length).toBe(before + 1);
  });

  it("reads a listing one page at a time, each page saying where the next starts", async () => {
    const runId = finishedRun(300); // 300 unit tests x 2 repetitions = 600 results: two pages of 500
    const { client } = testClient(sim);
    const first = await client.metricResultsPage(runId, 0);
    expect(first.items).toHaveLength(500);
    expect(first.next).toBeDefined();
    const second = await client.metricResultsPage(runId, first.next!);
    expect(second.items).toHaveLength(100);
    expect(second.next).toBeUndefined();
    const all = await client.listMetricResults(runId);
    expect([...first.items, ...second.items].map((r) => r.id)).toEqual(all.map((r) => r.id));

    const sets = await client.setsPage(0);
    expect(sets.items.length).toBeGreaterThan(0);
  });
});
