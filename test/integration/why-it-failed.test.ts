/**
 * Why a run failed and how the set has been doing, end to end over loopback: the simulator as
 * Amigo, the poller, the notifier against the Slack stand-in, and the archiver writing
 * run.json and summary.md to a folder.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { MetricEvaluationResult } from "../../functions/core/model/amigo-model.js";
import { archiveRun } from "../../functions/core/archiver/archive-run.js";
import { briefJustification } from "../../functions/core/summary/judge-reasons.js";
import { createNotifier } from "../../functions/core/notifier/notify.js";
import type { EventOf } from "../../functions/core/events.js";
import { SlackChat } from "../../functions/slack/client.js";
import { type Pipeline, startPipeline } from "../support/pipeline.js";
import { useSlackStub } from "../support/slack-stub.js";

const CHANNEL = "C0RUNS";
const BILLING = "Billing disputes";
const CHECKOUT = "Checkout flows";

const stub = useSlackStub();
let pipeline: Pipeline;

afterEach(async () => {
  await pipeline?.close();
});

/** The pipeline with the notifier and the archiver listening on its bus, as in `simwatch serve`. */
async function start(label: string): Promise<Pipeline> {
  pipeline = await startPipeline({ storage: "fs", label });
  const notifier = createNotifier({
    chat: new SlackChat({ token: stub.token, apiUrl: stub.apiUrl, timeoutMs: 2000 }),
    state: pipeline.state,
    clock: pipeline.sim.control.clock,
    defaultChannel: CHANNEL,
  });
  for (const detailType of ["Run Started", "Run Finished", "Run Archived"] as const) {
    pipeline.bus.subscribe(detailType, async (event) => void (await notifier.handle(event)), { name: "notifier" });
  }
  // The archiver runs inside a delivery, so it must not wait for the bus to be idle.
  pipeline.bus.subscribe("Artifacts Ready", async (event) => void (await archiveRun(pipeline.archiverOptions(), event.detail)), { name: "archiver" });
  await pipeline.poll();
  return pipeline;
}

/** Creates a run, lets it finish and polls until it is archived; returns its id. */
async function finishRun(set: string, outcome: Parameters<Pipeline["sim"]["control"]["createRun"]>[0]["outcome"] = {}): Promise<string> {
  const { sim } = pipeline;
  const runId = sim.control.createRun({ set, outcome: { durationMs: 10_000, artifactsDelayMs: 1_000, ...outcome } });
  await pipeline.poll();
  sim.control.advance(11_000);
  await pipeline.poll();
  sim.control.advance(2_000);
  await pipeline.poll();
  await pipeline.bus.idle();
  return runId;
}

const text = (message: { text: string; blocks: unknown[] }) => `${message.text}\n${JSON.stringify(message.blocks)}`;
/** What the card or a reply says, with Slack's escaping undone so it compares with Amigo's words. */
const readable = (message: { text: string; blocks: unknown[] }) => text(message).replaceAll("&gt;", ">").replaceAll("&lt;", "<").replaceAll("&amp;", "&").replaceAll('\\"', '"');

/** The metric results of the run's failing evaluations, as the simulator gives them. */
async function failingResults(runId: string): Promise<MetricEvaluationResult[]> {
  const run = pipeline.sim.control.getRun(runId);
  const failingIds = new Set(run?.unit_test_run_results.flatMap((result) => result?.metric_evaluation_results.flatMap((e) => e.results.filter(([, passed]) => !passed).map(([id]) => id)) ?? []));
  return (await pipeline.amigo.listMetricResults(runId)).filter((result) => failingIds.has(result.id));
}

describe("why it failed", () => {
  it("shows on the card and in one Why it failed reply the value and justification the simulator gave for each failing metric, and summary.md has all of them", async () => {
    await start("why-failed");
    const runId = await finishRun(BILLING);
    const failing = await failingResults(runId);
    expect(failing.length).toBeGreaterThanOrEqual(3);
    expect(new Set(failing.map((result) => result.justification)).size).toBe(failing.length);

    const [card] = stub.topLevel(CHANNEL);
    expect(stub.topLevel(CHANNEL)).toHaveLength(1);
    const cardText = readable(card!);
    expect(cardText).toContain(":x: Billing disputes");
    // The card: the first failing reason of each failing unit test, in one line.
    const firstPerTest = new Map<string, MetricEvaluationResult>();
    for (const result of [...failing].sort((a, b) => ("run_index" in a.source ? Number(a.source.run_index) : 0) - ("run_index" in b.source ? Number(b.source.run_index) : 0))) {
      const unitTest = "unit_test_id" in result.source ? String(result.source.unit_test_id) : "";
      if (!firstPerTest.has(unitTest)) firstPerTest.set(unitTest, result);
    }
    for (const result of firstPerTest.values()) expect(cardText).toContain(briefJustification(result.justification));
    expect(cardText).toMatch(/scored [0-3], needs >= 4/);

    const replies = stub.thread(CHANNEL, card!.ts).filter((reply) => text(reply).includes("Why it failed"));
    expect(replies).toHaveLength(1);
    const why = readable(replies[0]!);
    for (const result of failing) {
      expect(why).toContain(briefJustification(result.justification));
      expect(why).toContain(typeof result.result === "number" ? `scored ${result.result}, needs >= 4` : `was \`${String(result.result)}\`, expected one of friendly, neutral`);
    }

    const finished = pipeline.ofType("Run Finished")[0] as EventOf<"Run Finished">;
    const setId = finished.detail.setId;
    const folder = join(pipeline.root!, "runs", setId, runId);
    const markdown = await readFile(join(folder, "summary.md"), "utf8");
    const runJson = JSON.parse(await readFile(join(folder, "run.json"), "utf8")) as { simwatch: { summary: { failingUnitTests: { failingMetrics: { reasons?: { justification: string }[] }[] }[] } } };
    const archivedReasons = runJson.simwatch.summary.failingUnitTests.flatMap((test) => test.failingMetrics.flatMap((metric) => metric.reasons ?? []));
    for (const result of failing) {
      expect(markdown).toContain(result.justification);
      expect(archivedReasons.map((reason) => reason.justification)).toContain(result.justification);
    }

    // A redelivered Run Finished changes nothing in the thread.
    await pipeline.bus.publish([finished]);
    await pipeline.bus.idle();
    expect(stub.thread(CHANNEL, card!.ts).filter((reply) => text(reply).includes("Why it failed"))).toHaveLength(1);
  });

  it("reads the judge's results with one call per failed run and the history with one call per finished set, however many runs finish in a tick", async () => {
    await start("why-budget");
    const { sim } = pipeline;
    const runs = [BILLING, BILLING, BILLING, CHECKOUT, CHECKOUT].map((set, i) => sim.control.createRun({ set, creator: `user-${i}`, outcome: { durationMs: 10_000, artifactsDelayMs: null } }));
    await pipeline.poll();
    sim.control.resetRequests();
    sim.control.advance(11_000);
    await pipeline.poll();
    expect(pipeline.ofType("Run Finished")).toHaveLength(runs.length);
    const metricCalls = sim.control.requests("listMetricResults");
    expect(metricCalls).toHaveLength(3);
    const historyCalls = sim.control.requests("listRuns").filter((request) => request.query.includes("simulation_unit_test_set_id") && request.query.includes("is_completed=true"));
    expect(historyCalls).toHaveLength(2);
    for (const call of historyCalls) expect(call.query).toMatch(/limit=10/);
  });

  it("says so when Amigo will not show the judge's results, instead of guessing", async () => {
    await start("why-forbidden");
    pipeline.sim.control.faults.failNext("listMetricResults", { status: 403, detail: "Missing permission Metric:GetMetricEvaluationResult" });
    const runId = await finishRun(BILLING);
    const [card] = stub.topLevel(CHANNEL);
    const cardText = readable(card!);
    expect(cardText).toContain("may not read metric evaluation results");
    expect(cardText).not.toMatch(/scored \d/);
    for (const result of await failingResults(runId)) expect(cardText).not.toContain(result.justification);
    expect(stub.thread(CHANNEL, card!.ts).filter((reply) => text(reply).includes("Why it failed"))).toHaveLength(0);
  });
});

describe("how the set has been doing", () => {
  it("marks a unit test whose outcome changed twice over the last runs as flaky, and draws the trend", async () => {
    await start("why-flaky");
    await finishRun(CHECKOUT);
    await finishRun(CHECKOUT, { failing: [{ unitTest: "Guest checkout with a saved card" }] });
    await finishRun(CHECKOUT);
    const cards = stub.topLevel(CHANNEL);
    expect(cards).toHaveLength(3);
    const last = readable(cards[2]!);
    expect(last).toContain(":white_check_mark: Checkout flows");
    expect(last).toContain("last 3 finished runs*  █▆█  3 of 3, up from 2 of 3");
    expect(last).toContain("*Flaky*, failures may be noise: Guest checkout with a saved card (passed this time; outcome changed 2 times in 3 runs)");
    const second = readable(cards[1]!);
    expect(second).toContain("Newly failing");
    expect(second).toContain("Guest checkout with a saved card");
  });
});
