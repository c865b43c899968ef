import { afterEach, describe, expect, it } from "vitest";
import { pollOnce } from "../../functions/core/poller/poll.js";
import { silentLogger } from "../../functions/core/log.js";
import type { EventOf } from "../../functions/core/events.js";
import { stateKeys } from "../../functions/core/idempotency/state-keys.js";
import { readWatchlist } from "../../functions/core/poller/watchlist.js";
import { type Pipeline, runIdsOf, startPipeline } from "../support/pipeline.js";
import { testClient } from "../support/simulator.js";
import { deadlineIn } from "../../functions/core/util/deadline.js";

let pipeline: Pipeline;
afterEach(async () => {
  await pipeline?.close();
});

const CHECKOUT = "Checkout flows";
const BILLING = "Billing disputes";

/** Requests Amigo answered on one endpoint since the last reset (429 refusals left out). */
function answered(pipeline: Pipeline, endpoint: "listMetricResults"): number {
  return pipeline.sim.control.requests(endpoint).filter((request) => request.status === 200).length;
}

describe("the poller", () => {
  it("does not report runs that finished before simwatch was installed, and watches what is in progress", async () => {
    pipeline = await startPipeline({ label: "first-poll" });
    const { sim } = pipeline;
    sim.control.createRun({ set: CHECKOUT, outcome: { durationMs: 1_000 } });
    sim.control.advance(5_000);
    const running = sim.control.createRun({ set: BILLING });

    const report = await pipeline.poll();
    expect(report.firstPoll).toBe(true);
    expect(runIdsOf(pipeline.ofType("Run Started"))).toEqual([running]);
    expect(pipeline.ofType("Run Finished")).toEqual([]);
  });

  it("reports a run's start, its verdict with a summary, then its artifacts, each exactly once", async () => {
    pipeline = await startPipeline({ label: "lifecycle" });
    const { sim } = pipeline;
    await pipeline.poll();
    const runId = sim.control.createRun({ set: BILLING, outcome: { durationMs: 30_000, artifactsDelayMs: 5_000 } });
    await pipeline.poll();
    expect(runIdsOf(pipeline.ofType("Run Started"))).toEqual([runId]);

    sim.control.advance(31_000);
    await pipeline.poll();
    const finished = pipeline.ofType("Run Finished") as EventOf<"Run Finished">[];
    expect(finished).toHaveLength(1);
    const detail = finished[0]?.detail;
    expect(detail?.verdict).toBe("failed");
    expect(detail?.summary?.setName).toBe(BILLING);
    expect(detail?.summary?.failingUnitTests.length).toBeGreaterThan(0);
    expect(detail?.summary?.failingUnitTests[0]?.name).not.toMatch(/^[a-f0-9]{24}$/);
    expect(pipeline.ofType("Artifacts Ready")).toEqual([]);

    sim.control.advance(5_000);
    await pipeline.poll();
    await pipeline.poll();
    expect(runIdsOf(pipeline.ofType("Artifacts Ready"))).toEqual([runId]);
    expect(pipeline.ofType("Run Started")).toHaveLength(1);
    expect(pipeline.ofType("Run Finished")).toHaveLength(1);
  });

  it("sends what changed since the previous run with the trend, both from the set's history, never from the remembered run alone", async () => {
    pipeline = await startPipeline({ label: "baseline" });
    const { sim } = pipeline;
    await pipeline.poll();
    const first = sim.control.createRun({ set: BILLING, outcome: { durationMs: 10_000 } });
    sim.control.advance(11_000);
    await pipeline.poll();
    const second = sim.control.createRun({ set: BILLING, creator: "user-2", outcome: { durationMs: 10_000 } });
    sim.control.advance(11_000);
    // The judge's results cannot be read this tick: the verdict goes out first, awaiting the reasons and the trend.
    sim.control.faults.failNext("listMetricResults", { status: 400, count: 1 });
    await pipeline.poll();
    const ofSecond = () => (pipeline.ofType("Run Finished") as EventOf<"Run Finished">[]).filter((event) => event.detail.runId === second);
    const [early] = ofSecond();
    expect(early?.detail.summary?.awaiting).toContain("trend");
    expect(early?.detail.summary?.diff).toBeUndefined();
    sim.control.advance(60_000);
    await pipeline.poll();
    const [, complete] = ofSecond();
    expect(complete?.detail.summary?.awaiting).toBeUndefined();
    expect(complete?.detail.summary?.diff?.previousRunId).toBe(first);
    expect(complete?.detail.summary?.trend?.points.map((point) => point.runId)).toEqual([first, second]);
  });

  it("emits Artifacts Ready on the tick they are generated, three ticks after the run finished", async () => {
    pipeline = await startPipeline({ label: "late-artifacts" });
    const { sim } = pipeline;
    await pipeline.poll();
    const runId = sim.control.createRun({ set: CHECKOUT, outcome: { durationMs: 10_000, artifactsDelayMs: 150_000 } });
    await pipeline.poll();
    sim.control.advance(11_000);
    await pipeline.poll();
    expect(runIdsOf(pipeline.ofType("Run Finished"))).toEqual([runId]);
    for (let tick = 0; tick < 2; tick++) {
      sim.control.advance(60_000);
      await pipeline.poll();
      expect(pipeline.ofType("Artifacts Ready")).toEqual([]);
    }
    sim.control.advance(60_000);
    await pipeline.poll();
    expect(runIdsOf(pipeline.ofType("Artifacts Ready"))).toEqual([runId]);
  });

  it("finds a run that started and finished between two ticks", async () => {
    pipeline = await startPipeline({ label: "short-run" });
    const { sim } = pipeline;
    await pipeline.poll();
    sim.control.advance(10_000);
    const runId = sim.control.createRun({ set: CHECKOUT, outcome: { durationMs: 5_000, artifactsDelayMs: 1_000 } });
    sim.control.advance(50_000);
    await pipeline.poll();
    expect(runIdsOf(pipeline.ofType("Run Started"))).toEqual([runId]);
    const finished = pipeline.ofType("Run Finished") as EventOf<"Run Finished">[];
    expect(finished.map((event) => [event.detail.runId, event.detail.verdict])).toEqual([[runId, "passed"]]);
    expect(runIdsOf(pipeline.ofType("Artifacts Ready"))).toEqual([runId]);
    await pipeline.poll();
    expect(pipeline.events).toHaveLength(3);
  });

  it("watches 120 in-progress runs across pages with a call count that grows with pages, not runs", { timeout: 180_000 }, async () => {
    pipeline = await startPipeline({ label: "many-runs" });
    const { sim } = pipeline;
    await pipeline.poll();
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) ids.push(sim.control.createRun({ set: i % 2 ? CHECKOUT : BILLING, creator: `user-${i}`, outcome: { durationMs: 60_000 } }));
    sim.control.resetRequests();
    const starting = await pipeline.poll();
    expect(runIdsOf(pipeline.ofType("Run Started"))).toEqual([...ids].sort());
    // 3 pages of in-progress runs + 1 page of recently completed ones; no per-run call.
    expect(sim.control.requestCounts().listRuns).toBe(4);
    // Fast follow paces by this count, so it is what Amigo saw.
    expect(starting.listRunsCalls).toBe(4);

    sim.control.advance(61_000);
    sim.control.resetRequests();
    // Amigo's published per-minute limits hold from here on (429 with Retry-After).
    sim.control.setRateLimits(true);
    const finishing = await pipeline.poll();
    expect(pipeline.ofType("Run Finished")).toHaveLength(120);
    const counts = sim.control.requestCounts();
    // in-progress (1 empty page) + recent completed (3 pages, holding all 120, so none is fetched by
    // id) + each finished set's history (2).
    expect(counts.listRuns).toBe(6);
    // The histories count too, and the watch list keeps the figure for the next invocation's pace.
    expect(finishing.listRunsCalls).toBe(6);
    expect((await readWatchlist(pipeline.state))?.lastTick).toEqual({ at: sim.control.clock.now().toISOString(), listRunsCalls: 6 });
    expect((counts.listSets ?? 0) + (counts.listUnitTests ?? 0)).toBeLessThanOrEqual(4);
    // The judge's reasons: one call per failed run, none for those that passed, and no more in a
    // minute than Amigo allows (10). Verdicts do not wait: all 120 cards go out now, the 50 failed
    // runs whose reasons did not fit saying they follow.
    expect(answered(pipeline, "listMetricResults")).toBe(10);
    const awaiting = (pipeline.ofType("Run Finished") as EventOf<"Run Finished">[]).filter((event) => event.detail.summary?.awaiting?.includes("reasons"));
    expect(awaiting).toHaveLength(50);
    // Later ticks, a minute apart, read the rest at Amigo's pace and send each complete summary once.
    for (let tick = 0; tick < 5; tick++) {
      sim.control.advance(61_000);
      sim.control.resetRequests();
      await pipeline.poll();
      expect(answered(pipeline, "listMetricResults")).toBeLessThanOrEqual(10);
    }
    const finishedEvents = pipeline.ofType("Run Finished") as EventOf<"Run Finished">[];
    const completed = finishedEvents.slice(120);
    expect(completed.map((event) => event.detail.runId).sort()).toEqual(awaiting.map((event) => event.detail.runId).sort());
    for (const event of completed) {
      expect(event.detail.summary?.awaiting).toBeUndefined();
      expect(event.detail.summary?.failingUnitTests.some((test) => test.failingMetrics.some((metric) => (metric.reasons ?? []).length > 0))).toBe(true);
    }
    // Only complete summaries are archived.
    expect(new Set(runIdsOf(pipeline.ofType("Artifacts Ready"))).size).toBe(120);
  });

  it("fetches watched runs by id, in batches of 50, once they are too old for the listing of recent ones", async () => {
    pipeline = await startPipeline({ label: "long-runs" });
    const { sim } = pipeline;
    await pipeline.poll();
    for (let i = 0; i < 60; i++) sim.control.createRun({ set: i % 2 ? CHECKOUT : BILLING, creator: `user-${i}`, outcome: { durationMs: 20 * 60_000 } });
    await pipeline.poll();
    sim.control.advance(10 * 60_000);
    await pipeline.poll();
    sim.control.advance(11 * 60_000);
    sim.control.resetRequests();
    const finishing = await pipeline.poll();
    expect(pipeline.ofType("Run Finished")).toHaveLength(60);
    // in-progress (1 empty page) + recent completed (1 empty page) + by id (2 batches) + each set's history (2).
    expect(sim.control.requestCounts().listRuns).toBe(6);
    expect(finishing.listRunsCalls).toBe(6);
  });

  it("reads no more judge results in a minute than its share of Amigo's limit, across processes", async () => {
    pipeline = await startPipeline({ label: "judge-budget", storage: "fs" });
    const { sim } = pipeline;
    // The ticks that read judge results each run in a process of their own (a cold Lambda) whose
    // client may use 8 of Amigo's 10 a minute: only the watch list tells it what came before.
    const coldTick = () => pipeline.poll({ amigo: testClient(sim, { rateLimitShare: 0.8 }).client, deadline: deadlineIn(10_000) });
    await pipeline.poll();
    const finishEvery = (count: number) => {
      for (let i = 0; i < count; i++) sim.control.createRun({ set: BILLING, creator: `judge-${Math.random()}`, outcome: { durationMs: 1_000 } });
    };
    finishEvery(5);
    await pipeline.poll();
    sim.control.advance(2_000);
    sim.control.resetRequests();
    await coldTick();
    expect(sim.control.requestCounts().listMetricResults).toBe(5);
    finishEvery(5);
    await pipeline.poll();
    sim.control.advance(2_000);
    sim.control.resetRequests();
    await coldTick();
    // Within the same minute: 3 left of the 8.
    expect(sim.control.requestCounts().listMetricResults).toBe(3);
    // A minute later the other two are read, and their complete summaries go out.
    sim.control.advance(60_000);
    sim.control.resetRequests();
    await coldTick();
    expect(sim.control.requestCounts().listMetricResults).toBe(2);
    const finished = pipeline.ofType("Run Finished") as EventOf<"Run Finished">[];
    expect(finished.filter((event) => !event.detail.summary?.awaiting)).toHaveLength(10);
  });

  it("keeps everything through an Amigo outage of several ticks and reports it all after", async () => {
    pipeline = await startPipeline({ label: "outage" });
    const { sim } = pipeline;
    await pipeline.poll();
    const before = sim.control.createRun({ set: BILLING, outcome: { durationMs: 20_000, artifactsDelayMs: 0 } });
    await pipeline.poll();

    sim.control.faults.failNext("listRuns", { status: 503, count: 1_000 });
    const during = sim.control.createRun({ set: CHECKOUT, outcome: { durationMs: 5_000, artifactsDelayMs: 0 } });
    for (let tick = 0; tick < 3; tick++) {
      sim.control.advance(60_000);
      await expect(pipeline.poll()).rejects.toThrow();
    }
    sim.control.faults.clear();
    sim.control.faults.failNext("listRuns", { status: 429, retryAfterSeconds: 0, count: 2 });
    sim.control.advance(60_000);
    await pipeline.poll();
    expect(runIdsOf(pipeline.ofType("Run Finished"))).toEqual([before, during].sort());
    expect(runIdsOf(pipeline.ofType("Artifacts Ready"))).toEqual([before, during].sort());
    expect(runIdsOf(pipeline.ofType("Run Started"))).toEqual([before, during].sort());
  });

  it("lets two racing pollers emit exactly one Run Finished per run", async () => {
    pipeline = await startPipeline({ label: "race" });
    const { sim, amigo, state, bus } = pipeline;
    await pipeline.poll();
    const ids = [0, 1, 2, 3, 4].map((i) => sim.control.createRun({ set: CHECKOUT, creator: `racer-${i}`, outcome: { durationMs: 10_000 } }));
    await pipeline.poll();
    sim.control.advance(11_000);
    const tick = () => pollOnce({ amigo, state, bus, clock: sim.control.clock, logger: silentLogger, giveUpAfterHours: 48 });
    await Promise.all([tick(), tick(), tick()]);
    await bus.idle();
    expect(runIdsOf(pipeline.ofType("Run Finished"))).toEqual([...ids].sort());
    await Promise.all([tick(), tick()]);
    await bus.idle();
    expect(pipeline.ofType("Run Finished")).toHaveLength(5);
  });

  it("gives up on a run that never finishes, saying so in its summary", async () => {
    pipeline = await startPipeline({ label: "give-up", storage: "fs" });
    const { sim } = pipeline;
    await pipeline.poll();
    const runId = sim.control.createRun({ set: CHECKOUT, outcome: { durationMs: 10 * 3_600_000 } });
    await pipeline.poll({ giveUpAfterHours: 2 });
    sim.control.advance(3 * 3_600_000);
    await pipeline.poll({ giveUpAfterHours: 2 });
    const finished = pipeline.ofType("Run Finished") as EventOf<"Run Finished">[];
    expect(finished.map((event) => event.detail.runId)).toEqual([runId]);
    expect(finished[0]?.detail.summary?.notes.join(" ")).toContain("stopped watching this run after 2 hours");
    const watchlist = await pipeline.state.get<{ runs: Record<string, unknown> }>(stateKeys.watchlist());
    expect(watchlist?.value.runs).toEqual({});
  });

  it("gives up on artifacts that are never generated, and the run's summary says so", async () => {
    pipeline = await startPipeline({ label: "give-up-artifacts", storage: "fs" });
    const { sim } = pipeline;
    await pipeline.poll();
    const runId = sim.control.createRun({ set: CHECKOUT, outcome: { durationMs: 5_000, artifactsDelayMs: null } });
    await pipeline.poll({ giveUpAfterHours: 2 });
    sim.control.advance(6_000);
    await pipeline.poll({ giveUpAfterHours: 2 });
    sim.control.advance(3 * 3_600_000);
    await pipeline.poll({ giveUpAfterHours: 2 });
    await pipeline.poll({ giveUpAfterHours: 2 });
    const finished = pipeline.ofType("Run Finished") as EventOf<"Run Finished">[];
    expect(finished.map((event) => event.detail.runId)).toEqual([runId, runId]);
    expect(finished[0]?.detail.summary?.notes.join(" ")).not.toContain("gave up");
    expect(finished[1]?.detail.verdict).toBe("passed");
    expect(finished[1]?.detail.summary?.notes.join(" ")).toContain("gave up waiting for this run's artifacts after 2 hours");
    expect(pipeline.ofType("Artifacts Ready")).toEqual([]);
    const watchlist = await pipeline.state.get<{ runs: Record<string, unknown> }>(stateKeys.watchlist());
    expect(watchlist?.value.runs).toEqual({});
  });

  it("diffs a run against the set's previous finished run", async () => {
    pipeline = await startPipeline({ label: "diff", storage: "fs" });
    const { sim } = pipeline;
    await pipeline.poll();
    sim.control.createRun({ set: BILLING, outcome: { durationMs: 5_000 } });
    await pipeline.poll();
    sim.control.advance(6_000);
    await pipeline.poll();
    sim.control.createRun({ set: BILLING, outcome: { durationMs: 5_000, failing: [] } });
    await pipeline.poll();
    sim.control.advance(6_000);
    await pipeline.poll();
    const [first, second] = pipeline.ofType("Run Finished") as EventOf<"Run Finished">[];
    expect(first?.detail.summary?.diff).toBeUndefined();
    expect(second?.detail.verdict).toBe("passed");
    expect(second?.detail.summary?.diff?.previousRunId).toBe(first?.detail.runId);
    expect(second?.detail.summary?.diff?.fixed).toEqual(first?.detail.summary?.failingUnitTests.map((test) => test.name).sort());
    expect(second?.detail.summary?.diff?.newlyFailing).toEqual([]);
  });
});
