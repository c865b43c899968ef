/**
 * The poller as Lambda runs it, through bursts that used to stop it for good: each invocation a
 * cold process (a fresh client that may use the poller's share of Amigo's limits, knowing only
 * what the watch list says) with a Lambda's 55 s timeout, one a minute on the simulator's clock,
 * and Amigo's published per-minute limits enforced (429 with Retry-After).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { EventOf } from "../../functions/core/events.js";
import { readWatchlist } from "../../functions/core/poller/watchlist.js";
import { tickDeadline } from "../../functions/core/poller/follow.js";
import { AMIGO_RATE_SHARES } from "../../functions/handlers/lambda-services.js";
import { type Pipeline, runIdsOf, startPipeline } from "../support/pipeline.js";
import { testClient } from "../support/simulator.js";

const LAMBDA_TIMEOUT_MS = 55_000;
let pipeline: Pipeline | undefined;

afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

/** A set whose every evaluation fails: `unitTests` x 3 metrics x `repetitions` results a run. */
function failingSet(pipeline: Pipeline, name: string, unitTests: number, repetitions: number) {
  const criteria = ["Tone", "Accuracy", "Resolution"].map((metric) => ({ name: `${metric} ok`, metric, criterion: { type: "boolean" as const, expected_value: true } }));
  const tests = Array.from({ length: unitTests }, (_, index) => ({ name: `${name} case ${index + 1}`, runCount: repetitions, criteria }));
  return pipeline.sim.control.addSet({ name, unitTests: tests, outcome: { durationMs: 30_000, artifactsDelayMs: 0, artifactBytes: 1_024, failing: tests.map((test) => ({ unitTest: test.name })) } });
}

/** One scheduled invocation: a cold poller with its Lambda's time, then a minute passes. */
async function invocation(pipeline: Pipeline) {
  const startedAt = Date.now();
  const amigo = testClient(pipeline.sim, { rateLimitShare: AMIGO_RATE_SHARES.poller }).client;
  const report = await pipeline.poll({ amigo, deadline: tickDeadline(() => LAMBDA_TIMEOUT_MS - (Date.now() - startedAt)) });
  const saved = await readWatchlist(pipeline.state);
  // The invocation saved its work: the watch list carries this tick.
  expect(saved?.lastTick?.at).toBe(pipeline.sim.control.clock.now().toISOString());
  pipeline.sim.control.advance(60_000);
  return report;
}

/** Invocations until every run's complete summary is out and its archive asked for (at most `limit`). */
async function drain(pipeline: Pipeline, runIds: readonly string[], limit: number): Promise<number> {
  for (let count = 1; count <= limit; count++) {
    await invocation(pipeline);
    const complete = (pipeline.ofType("Run Finished") as EventOf<"Run Finished">[]).filter((event) => !event.detail.summary?.awaiting);
    const archiving = new Set(runIdsOf(pipeline.ofType("Artifacts Ready")));
    if (runIds.every((runId) => archiving.has(runId)) && new Set(complete.map((event) => event.detail.runId)).size === runIds.length) return count;
  }
  throw new Error(`not drained after ${limit} invocations`);
}

function refusedByAmigo(pipeline: Pipeline): number {
  return pipeline.sim.control.requests().filter((request) => request.status === 429).length;
}

describe("the poller through a burst, one Lambda invocation a minute", () => {
  it("reports 50 sets finishing at once with 600 failing results each: every verdict at once, reasons at Amigo's pace, nothing refused", { timeout: 300_000 }, async () => {
    pipeline = await startPipeline({ label: "burst", storage: "fs" });
    await invocation(pipeline);
    pipeline.sim.control.setRateLimits(true);
    const sets = Array.from({ length: 50 }, (_, index) => failingSet(pipeline!, `Burst set ${index + 1}`, 10, 20));
    const runIds = sets.map((set) => pipeline!.sim.control.createRun({ set: set.id }));
    await invocation(pipeline);
    pipeline.sim.control.advance(60_000);

    const finishing = await invocation(pipeline);
    // Every verdict goes out in the tick that sees the runs finish, whatever the reasons cost.
    expect(finishing.finished).toBe(50);
    const first = pipeline.ofType("Run Finished") as EventOf<"Run Finished">[];
    expect(first.filter((event) => event.detail.verdict === "failed")).toHaveLength(50);
    expect(first.filter((event) => event.detail.summary?.awaiting?.includes("reasons")).length).toBeGreaterThan(40);

    // 100 pages of results at 8 a minute: about 13 invocations, each saving what it read.
    const invocations = await drain(pipeline, runIds, 20);
    expect(invocations).toBeLessThanOrEqual(15);
    expect(refusedByAmigo(pipeline)).toBe(0);
    const complete = (pipeline.ofType("Run Finished") as EventOf<"Run Finished">[]).filter((event) => !event.detail.summary?.awaiting);
    // One complete summary per run, with the judge's reasons and the set's trend.
    expect(complete.map((event) => event.detail.runId).sort()).toEqual([...runIds].sort());
    for (const event of complete) {
      const reasons = event.detail.summary?.failingUnitTests.flatMap((test) => test.failingMetrics.flatMap((metric) => metric.reasons ?? [])) ?? [];
      expect(reasons).toHaveLength(600);
      expect(event.detail.summary?.trend).toBeDefined();
    }
    console.log(`poller burst: 50 sets x 600 failing results drained in ${invocations + 1} invocations (a minute apart), 0 requests refused`);
  });

  it("reads a run with 10 pages of results over two invocations, keeping its progress between them", { timeout: 120_000 }, async () => {
    pipeline = await startPipeline({ label: "big-run", storage: "fs" });
    await invocation(pipeline);
    pipeline.sim.control.setRateLimits(true);
    const set = failingSet(pipeline, "Big set", 50, 31);
    const runId = pipeline.sim.control.createRun({ set: set.id });
    await invocation(pipeline);
    const finishing = await invocation(pipeline);
    expect(finishing.finished).toBe(1);
    expect((await readWatchlist(pipeline.state))?.runs[runId]?.details?.judgePages).toBe(8);
    expect(await drain(pipeline, [runId], 3)).toBe(1);
    expect(pipeline.sim.control.requests("listMetricResults").filter((request) => request.status === 200)).toHaveLength(10);
    expect(refusedByAmigo(pipeline)).toBe(0);
  });
});

describe("a run of 500 failing unit tests with 10,000-character justifications", () => {
  it("travels with justifications cut to what a message shows, and is archived with them whole", { timeout: 180_000 }, async () => {
    pipeline = await startPipeline({ label: "big-reasons", storage: "fs" });
    await invocation(pipeline);
    const criteria = ["Tone", "Accuracy"].map((metric) => ({ name: `${metric} ok`, metric, criterion: { type: "boolean" as const, expected_value: true } }));
    const tests = Array.from({ length: 500 }, (_, index) => ({ name: `Long case ${index + 1}`, runCount: 3, criteria }));
    const set = pipeline.sim.control.addSet({
      name: "Long reasons",
      unitTests: tests,
      outcome: { durationMs: 30_000, artifactsDelayMs: 0, artifactBytes: 1_024, justificationChars: 10_000, failing: tests.map((test) => ({ unitTest: test.name })) },
    });
    const runId = pipeline.sim.control.createRun({ set: set.id });
    await invocation(pipeline);
    await drain(pipeline, [runId], 3);
    const finished = (pipeline.ofType("Run Finished") as EventOf<"Run Finished">[]).find((event) => event.detail.runId === runId && !event.detail.summary?.awaiting);
    const reasons = finished?.detail.summary?.failingUnitTests.flatMap((test) => test.failingMetrics.flatMap((metric) => metric.reasons ?? [])) ?? [];
    expect(reasons).toHaveLength(3_000);
    expect(Math.max(...reasons.map((reason) => reason.justification.length))).toBeLessThanOrEqual(600);
    // 3,000 justifications of 10,000 characters are 30 MB; the summary on the bus stays near 2.
    expect(JSON.stringify(finished?.detail.summary).length).toBeLessThan(2_500_000);

    const outcome = await pipeline.archiveRun({ runId, setId: set.id });
    expect(outcome.status).toBe("archived");
    const markdown = await readFile(join(pipeline.root!, "runs", set.id, runId, "summary.md"), "utf8");
    // Every justification whole in the archive: each judge line runs past 10,000 characters.
    const judgeLines = markdown.split("\n").filter((line) => line.includes("Judge: "));
    expect(judgeLines).toHaveLength(3_000);
    expect(Math.min(...judgeLines.map((line) => line.length))).toBeGreaterThan(10_000);
  });
});
