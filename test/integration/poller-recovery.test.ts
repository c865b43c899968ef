/**
 * The poller and the archiver after a crash or a bad record: nothing recorded is lost,
 * nothing delivered is repeated, and one bad run never stops the others.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Run } from "../../functions/core/model/amigo-model.js";
import type { EventOf } from "../../functions/core/events.js";
import type { LogFields, Logger } from "../../functions/core/log.js";
import type { AmigoApi, ClaimOwner, StateStore } from "../../functions/core/ports.js";
import { eventIds, stateKeys } from "../../functions/core/idempotency/state-keys.js";
import { killable, killSwitch, ProcessKilled } from "../support/kill-switch.js";
import { type Pipeline, runIdsOf, startPipeline } from "../support/pipeline.js";

let pipeline: Pipeline;
afterEach(async () => {
  await pipeline?.close();
});

const gone = new Set<string>();
const owner = (id: string): ClaimOwner => ({ id, isGone: (other) => gone.has(other) });

function capturingLogger() {
  const warnings: { event: string; fields: LogFields }[] = [];
  const logger: Logger = { info() {}, warn: (event, fields = {}) => void warnings.push({ event, fields }), error() {} };
  return { logger, warnings };
}

/** Amigo as it would answer with one run's id mangled (a malformed record). */
function withMangledRun(amigo: AmigoApi, victim: () => string | undefined): AmigoApi {
  const mangle = (run: Run): Run => (run.id === victim() ? { ...run, id: `${run.id.slice(0, 20)}/../x` } : run);
  return {
    ...amigo,
    listRuns: (filter) =>
      (async function* () {
        for await (const run of amigo.listRuns(filter)) yield mangle(run);
      })(),
    getRuns: async (ids) => (await amigo.getRuns(ids)).map(mangle),
  };
}

/** A fresh pipeline with one run watched from start to finish, its Artifacts Ready emitted. */
async function runWithArtifactsReady(label: string): Promise<string> {
  pipeline = await startPipeline({ label, storage: "fs" });
  await pipeline.poll();
  const runId = pipeline.sim.control.createRun({ set: "Checkout flows", outcome: { durationMs: 5_000, artifactsDelayMs: 1_000 } });
  await pipeline.poll();
  pipeline.sim.control.advance(7_000);
  await pipeline.poll();
  return runId;
}

describe("the poller after a crash", () => {
  it("delivers the events of a tick that was killed right after recording them", async () => {
    pipeline = await startPipeline({ label: "killed-after-record", storage: "fs" });
    const { sim } = pipeline;
    await pipeline.poll();
    const runId = sim.control.createRun({ set: "Checkout flows" });
    const kill = killSwitch();
    const isOutboxWrite = (key: unknown) => typeof key === "string" && key.includes("/outbox/");
    const dying = killable<StateStore>(pipeline.state, kill, { create: isOutboxWrite });
    await expect(pipeline.poll({ state: dying, owner: owner("p1") })).rejects.toBeInstanceOf(ProcessKilled);
    expect(pipeline.ofType("Run Started")).toEqual([]);
    gone.add("p1");

    const report = await pipeline.poll({ owner: owner("p2") });
    expect(report.resent).toBe(1);
    await pipeline.poll({ owner: owner("p2") });
    expect(runIdsOf(pipeline.ofType("Run Started"))).toEqual([runId]);
  });

  it("delivers the events of a tick killed while publishing, after it had saved its watch list", async () => {
    pipeline = await startPipeline({ label: "killed-publishing", storage: "fs" });
    const { sim } = pipeline;
    await pipeline.poll();
    const runId = sim.control.createRun({ set: "Billing disputes", outcome: { durationMs: 5_000 } });
    await pipeline.poll();
    sim.control.advance(6_000);
    const kill = killSwitch();
    kill.kill();
    await expect(pipeline.poll({ bus: killable(pipeline.bus, kill), owner: owner("p3") })).rejects.toBeInstanceOf(ProcessKilled);
    expect(pipeline.ofType("Run Finished")).toEqual([]);
    gone.add("p3");

    await pipeline.poll({ owner: owner("p4") });
    await pipeline.poll({ owner: owner("p4") });
    const finished = pipeline.ofType("Run Finished") as EventOf<"Run Finished">[];
    expect(finished.map((e) => e.detail.runId)).toEqual([runId]);
    expect(finished[0]?.detail.verdict).toBe("failed");
  });

  it("announces Run Archived when the archiver died between archiving and announcing", async () => {
    const runId = await runWithArtifactsReady("archived-unannounced");
    const [ready] = pipeline.ofType("Artifacts Ready") as EventOf<"Artifacts Ready">[];
    const kill = killSwitch();
    const isOutboxWrite = (key: unknown) => typeof key === "string" && key.includes("/outbox/");
    await expect(pipeline.archiveRun(ready!.detail, { state: killable(pipeline.state, kill, { create: isOutboxWrite }), owner: owner("a1") })).rejects.toBeInstanceOf(ProcessKilled);
    expect(pipeline.ofType("Run Archived")).toEqual([]);
    gone.add("a1");

    await pipeline.poll({ owner: owner("p5") });
    await pipeline.poll({ owner: owner("p5") });
    expect(runIdsOf(pipeline.ofType("Run Archived"))).toEqual([runId]);
    expect(await pipeline.state.get(stateKeys.deliveredMarker(eventIds.runArchived(runId)))).toBeDefined();
  });

  it("asks for the archive again once the archiver holding the run is gone, and not while it lives", async () => {
    const runId = await runWithArtifactsReady("rearchive");
    const { sim } = pipeline;
    expect(pipeline.ofType("Artifacts Ready")).toHaveLength(1);
    const lease = {
      status: "in_progress",
      owner: "a2",
      claimedAt: sim.control.now().toISOString(),
      expiresAt: new Date(sim.control.now().getTime() + 10 * 60_000).toISOString(),
      progress: {},
    };
    await pipeline.state.create(stateKeys.archivingLease(runId), lease);
    sim.control.advance(61_000);
    await pipeline.poll({ owner: owner("p6") });
    expect(pipeline.ofType("Artifacts Ready")).toHaveLength(1);

    gone.add("a2");
    await pipeline.poll({ owner: owner("p6") });
    expect(runIdsOf(pipeline.ofType("Artifacts Ready"))).toEqual([runId, runId]);
    const outcome = await pipeline.archiveRun({ runId, setId: sim.control.getRun(runId)!.simulation_unit_test_set_id }, { owner: owner("a3") });
    expect(outcome.status).toBe("archived");
  });
});

describe("the poller with a bad record", () => {
  it("skips a run whose id is not an ObjectId, naming it, and reports every other run", async () => {
    pipeline = await startPipeline({ label: "poison", storage: "fs" });
    const { sim } = pipeline;
    await pipeline.poll();
    const bad = sim.control.createRun({ set: "Checkout flows" });
    const good = sim.control.createRun({ set: "Billing disputes" });
    const { logger, warnings } = capturingLogger();
    const amigo = withMangledRun(pipeline.amigo, () => bad);
    const report = await pipeline.poll({ amigo, logger });
    expect(report.skipped).toBe(1);
    expect(runIdsOf(pipeline.ofType("Run Started"))).toEqual([good]);
    expect(warnings.find((w) => w.event === "poller.run_skipped")?.fields.runId).toContain(bad.slice(0, 20));
    await pipeline.poll({ amigo, logger });
    expect(runIdsOf(pipeline.ofType("Run Started"))).toEqual([good]);
  });
});

describe("the poller and simwatch's own cancels", () => {
  it("waits for Amigo's answer to a cancel before giving the run a verdict, then says cancelled", async () => {
    pipeline = await startPipeline({ label: "cancel-wait", storage: "fs" });
    const { sim } = pipeline;
    await pipeline.poll();
    const runId = sim.control.createRun({ set: "Checkout flows" });
    await pipeline.poll();
    const at = sim.control.now().toISOString();
    await pipeline.state.create(stateKeys.cancelRequest(runId), { status: "requested", by: "U1", channelId: "C1", requestId: "r1", at });
    sim.control.cancelRun(runId);
    await pipeline.poll();
    expect(pipeline.ofType("Run Finished")).toEqual([]);

    const current = await pipeline.state.get<object>(stateKeys.cancelRequest(runId));
    await pipeline.state.replace(stateKeys.cancelRequest(runId), { ...current!.value, status: "cancelled" }, current!.etag);
    await pipeline.poll();
    const finished = pipeline.ofType("Run Finished") as EventOf<"Run Finished">[];
    expect(finished.map((e) => [e.detail.runId, e.detail.verdict])).toEqual([[runId, "cancelled"]]);
  });

  it("gives the verdict Amigo's flags say when the cancel was refused", async () => {
    pipeline = await startPipeline({ label: "cancel-refused", storage: "fs" });
    const { sim } = pipeline;
    await pipeline.poll();
    const runId = sim.control.createRun({ set: "Checkout flows", outcome: { durationMs: 5_000, failing: [] } });
    await pipeline.poll();
    await pipeline.state.create(stateKeys.cancelRequest(runId), { status: "refused", by: "U1", channelId: "C1", requestId: "r2", at: sim.control.now().toISOString() });
    sim.control.advance(6_000);
    await pipeline.poll();
    const finished = pipeline.ofType("Run Finished") as EventOf<"Run Finished">[];
    expect(finished.map((e) => e.detail.verdict)).toEqual(["passed"]);
  });
});
