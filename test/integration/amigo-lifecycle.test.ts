/** The seed page's run lifecycle, end to end: client against the simulator over loopback HTTP. */
import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ActiveRunExists, ArtifactsNotReady, RunNotInProgress } from "../../functions/core/model/amigo-errors.js";
import type { RunningSimulator } from "../../functions/local/simulator/index.js";
import { rejectionOf, startTestSimulator, testClient } from "../support/simulator.js";

describe("a run's life, as simwatch sees it", () => {
  let sim: RunningSimulator;
  beforeEach(async () => {
    sim = await startTestSimulator();
    sim.control.setOutcome("Checkout flows", { durationMs: 30_000, artifactsDelayMs: 5_000, artifactBytes: 100_000 });
  });
  afterEach(() => sim.close());

  it("creates a run, refuses a second, shows progress, completes, then serves artifacts that expire", async () => {
    const { client } = testClient(sim);
    const [set] = await client.findSetsByName("checkout FLOWS");
    if (set === undefined) throw new Error("seed set missing");

    const { runId } = await client.createRun(set.id);
    expect(runId).toMatch(/^[a-f0-9]{24}$/);
    expect(Number.parseInt(runId.slice(0, 8), 16)).toBe(Math.floor(sim.control.now().getTime() / 1000));
    expect(await rejectionOf(client.createRun(set.id))).toBeInstanceOf(ActiveRunExists);

    const [started] = await client.getRuns([runId]);
    expect(started).toMatchObject({ is_completed: false, failed_metrics: false, errored: false, artifacts_generated: false });
    expect(started?.unit_test_run_results).toEqual([null, null, null]);

    sim.control.advance(10_000);
    const [oneThird] = await client.getRuns([runId]);
    expect(oneThird?.unit_test_run_results.map((result) => result !== null)).toEqual([true, false, false]);
    expect(await rejectionOf(client.getArtifactsLink(runId))).toBeInstanceOf(ArtifactsNotReady);

    sim.control.advance(20_000);
    const [done] = await client.getRuns([runId]);
    expect(done).toMatchObject({ is_completed: true, failed_metrics: false, artifacts_generated: false });
    expect(await rejectionOf(client.getArtifactsLink(runId))).toBeInstanceOf(ArtifactsNotReady);
    expect(await rejectionOf(client.cancelRun(runId))).toBeInstanceOf(RunNotInProgress);

    sim.control.advance(5_000);
    const link = await client.getArtifactsLink(runId);
    const download = await fetch(link.presigned_url);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("application/x-ndjson");
    const bytes = Buffer.from(await download.arrayBuffer());
    const expected = sim.control.expectedArtifact(runId);
    expect(bytes.length).toBe(expected.size);
    expect(Number(download.headers.get("content-length"))).toBe(expected.size);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(expected.sha256);

    sim.control.advance(Date.parse(link.url_expires_at) - sim.control.now().getTime());
    expect((await fetch(link.presigned_url)).status).toBe(403);
    const fresh = await client.getArtifactsLink(runId);
    expect((await fetch(fresh.presigned_url)).status).toBe(200);

    // The set is free again: a new run may start.
    expect((await client.createRun(set.id)).runId).not.toBe(runId);
  });

  it("cancelling completes the run with the unfinished unit tests left empty", async () => {
    const { client } = testClient(sim);
    const [set] = await client.findSetsByName("Checkout flows");
    const { runId } = await client.createRun(set?.id ?? "");
    sim.control.advance(10_000);
    await client.cancelRun(runId);
    const [cancelled] = await client.getRuns([runId]);
    expect(cancelled?.is_completed).toBe(true);
    expect(cancelled?.unit_test_run_results.map((result) => result !== null)).toEqual([true, false, false]);
    expect(await rejectionOf(client.cancelRun(runId))).toBeInstanceOf(RunNotInProgress);
  });
});
