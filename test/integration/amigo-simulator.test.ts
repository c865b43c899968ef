/** The simulator's own contract: progress, outcomes, artifacts and their faults, limits, thinning, control. */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { RunningSimulator } from "../../functions/local/simulator/index.js";
import { startTestSimulator, testClient, useSimulator } from "../support/simulator.js";

const sim = useSimulator();

async function readAll(response: Response): Promise<{ bytes: number; sha256: string; failed: boolean }> {
  const hash = createHash("sha256");
  let bytes = 0;
  let failed = false;
  try {
    for await (const chunk of response.body ?? []) {
      hash.update(chunk);
      bytes += chunk.length;
    }
  } catch {
    failed = true;
  }
  return { bytes, sha256: hash.digest("hex"), failed };
}

function finishedRun(outcome: Parameters<RunningSimulator["control"]["createRun"]>[0]["outcome"] = {}, creator = "artifact-user"): string {
  const runId = sim.control.createRun({ set: "Checkout flows", creator, outcome: { durationMs: 1_000, artifactsDelayMs: 0, ...outcome } });
  sim.control.advance(1_000);
  return runId;
}

describe("the judge's metric results", () => {
  it("gives values and justifications that differ per metric and repetition, and agree with the pass/fail the run reports", async () => {
    const runId = sim.control.createRun({
      set: "Checkout flows",
      outcome: { durationMs: 1_000, failing: [{ unitTest: "Changes shipping address mid-order", metric: "Turns to resolution", runs: [0, 2] }, { unitTest: "Applies an expired coupon", metric: "Agent tone" }] },
    });
    sim.control.advance(1_000);
    const run = sim.control.getRun(runId)!;
    const results = await testClient(sim).client.listMetricResults(runId);
    const passedById = new Map(run.unit_test_run_results.flatMap((result) => result?.metric_evaluation_results.flatMap((evaluation) => evaluation.results) ?? []));
    expect(results).toHaveLength(passedById.size);
    const criteria = new Map(run.unit_test_run_specs.flatMap((spec) => spec.metrics_to_evaluate.map((metric) => [metric.metric_id, metric.success_criterion] as const)));
    for (const result of results) {
      const criterion = criteria.get(result.metric_id)!;
      const passed = passedById.get(result.id);
      const value = result.result;
      const meets =
        criterion.type === "boolean" ? value === criterion.expected_value
        : criterion.type === "categorical" ? criterion.expected_values.includes(String(value))
        : criterion.verb === ">=" ? Number(value) >= criterion.threshold
        : criterion.verb === "<=" ? Number(value) <= criterion.threshold
        : undefined;
      expect(meets, `${result.metric_id} gave ${String(value)}`).toBe(passed);
    }
    // The failing turns metric on repetitions 0 and 2 of a unit test run three times.
    const turns = results.filter((result) => result.source.type === "simulation" && passedById.get(result.id) === false && criteria.get(result.metric_id)?.type === "numerical");
    expect(turns.map((result) => (result.source.type === "simulation" ? result.source.run_index : -1)).sort()).toEqual([0, 2]);
    expect(new Set(turns.map((result) => result.justification)).size).toBe(2);
    const perMetric = new Map<string, Set<string>>();
    for (const result of results) perMetric.set(result.metric_id, (perMetric.get(result.metric_id) ?? new Set()).add(result.justification));
    expect(new Set(results.map((result) => result.justification)).size).toBeGreaterThan(perMetric.size);
  });
});

describe("run outcomes", () => {
  it("turns failed_metrics true as soon as a failing unit test finishes, while others still run", () => {
    const runId = sim.control.createRun({
      set: "Billing disputes",
      creator: "early-fail",
      outcome: { durationMs: 30_000, failing: [{ unitTest: "Double charge on renewal", metric: "Customer satisfaction score" }] },
    });
    expect(sim.control.getRun(runId)?.failed_metrics).toBe(false);
    sim.control.advance(10_000);
    const run = sim.control.getRun(runId);
    expect(run).toMatchObject({ is_completed: false, failed_metrics: true });
    const satisfaction = run?.unit_test_run_results[0]?.metric_evaluation_results.find(
      (metric) => metric.metric_id === run.unit_test_run_specs[0]?.metrics_to_evaluate[2]?.metric_id,
    );
    expect(satisfaction?.results.map(([, passed]) => passed)).toEqual([false, false]);
  });

  it("errors: run_errors carry the message, errored is true and the run stops there", () => {
    const runId = sim.control.createRun({ set: "Refund edge cases", creator: "erroring", outcome: { durationMs: 40_000 } });
    sim.control.advance(20_000);
    const run = sim.control.getRun(runId);
    expect(run).toMatchObject({ is_completed: true, errored: true });
    expect(run?.unit_test_run_results[1]?.run_errors[0]).toContain("persona service timed out");
    expect(run?.unit_test_run_results.slice(2)).toEqual([null, null]);
  });

  it("shows a thinned run with empty specs and results, or empty metric lists", () => {
    const runId = finishedRun({}, "thin");
    sim.control.thinRun(runId, "set");
    expect(sim.control.getRun(runId)).toMatchObject({ unit_test_run_specs: [], unit_test_run_results: [] });
    sim.control.thinRun(runId, "unit_test");
    const run = sim.control.getRun(runId);
    expect(run?.unit_test_run_specs[0]).toMatchObject({ metrics_to_evaluate: [], scenario_version_info: null, persona_version_info: null });
    expect(run?.unit_test_run_results[0]?.metric_evaluation_results).toEqual([]);
  });

  it("hands out ids whose first 8 hex digits are the creation time, and the same ids every time", async () => {
    const createdAt = new Date("2026-03-01T08:00:00Z");
    const runId = sim.control.createRun({ set: "Checkout flows", creator: "dated", createdAt });
    expect(Number.parseInt(runId.slice(0, 8), 16) * 1000).toBe(createdAt.getTime());
    const other = await startTestSimulator();
    try {
      expect(other.control.sets().map((set) => set.id)).toEqual(sim.control.sets().slice(0, 4).map((set) => set.id));
    } finally {
      await other.close();
    }
  });
});

describe("artifacts", () => {
  it("streams a deterministic file whose size and sha256 the control API predicts", async () => {
    const runId = finishedRun({ artifactBytes: 3 * 1024 * 1024 + 5 });
    const link = await testClient(sim).client.getArtifactsLink(runId);
    const response = await fetch(link.presigned_url);
    const read = await readAll(response);
    const expected = sim.control.expectedArtifact(runId);
    expect(read).toEqual({ bytes: 3 * 1024 * 1024 + 5, sha256: expected.sha256, failed: false });
    expect(response.headers.get("content-length")).toBe(String(expected.size));
  });

  it("writes valid JSON lines", async () => {
    const runId = finishedRun({ artifactBytes: 10_000 });
    const link = await testClient(sim).client.getArtifactsLink(runId);
    const lines = (await (await fetch(link.presigned_url)).text()).trimEnd().split("\n");
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({ run: runId, kind: "turn" });
  });

  it("refuses a link that was already expired when handed out", async () => {
    const runId = finishedRun();
    sim.control.setArtifactUrlLifetime(0);
    const link = await testClient(sim).client.getArtifactsLink(runId);
    expect(Date.parse(link.url_expires_at)).toBeLessThanOrEqual(sim.control.now().getTime());
    const response = await fetch(link.presigned_url);
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("AccessDenied");
  });

  it("serves links without Authorization and ignores one if sent", async () => {
    const runId = finishedRun();
    const link = await testClient(sim).client.getArtifactsLink(runId);
    expect((await fetch(link.presigned_url, { headers: { authorization: "Bearer nonsense" } })).status).toBe(200);
  });

  it("drops the connection after N bytes for the first K downloads, then serves the whole file", async () => {
    const runId = finishedRun({ artifactBytes: 1024 * 1024 });
    sim.control.faults.breakDownloads({ dropAfterBytes: 100_000, count: 2 });
    const link = await testClient(sim).client.getArtifactsLink(runId);
    const first = await readAll(await fetch(link.presigned_url));
    const second = await readAll(await fetch(link.presigned_url));
    const third = await readAll(await fetch(link.presigned_url));
    expect(first).toMatchObject({ failed: true });
    expect(first.bytes).toBeLessThanOrEqual(100_000);
    expect(second.failed).toBe(true);
    expect(third).toEqual({ bytes: 1024 * 1024, sha256: sim.control.expectedArtifact(runId).sha256, failed: false });
  });

  it("can expire the link mid-download, so only a fresh link finishes the job", async () => {
    const runId = finishedRun({ artifactBytes: 512 * 1024 });
    sim.control.faults.breakDownloads({ dropAfterBytes: 64 * 1024, expireLink: true });
    const { client } = testClient(sim);
    const link = await client.getArtifactsLink(runId);
    expect((await readAll(await fetch(link.presigned_url))).failed).toBe(true);
    expect((await fetch(link.presigned_url)).status).toBe(403);
    const fresh = await client.getArtifactsLink(runId);
    expect((await readAll(await fetch(fresh.presigned_url))).sha256).toBe(sim.control.expectedArtifact(runId).sha256);
  });
});

describe("limits, faults and the request log", () => {
  it("answers 429 with Retry-After and X-RateLimit headers past the published limit", async () => {
    sim.control.setRateLimits(true, { listSets: 3 });
    const { client } = testClient(sim);
    await client.signIn();
    const token = await signInRaw();
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let index = 0; index < 4; index++) {
      const response = await fetch(`${sim.url}/v1/${sim.orgId}/simulation/unit_test_set/`, { headers: { authorization: `Bearer ${token}` } });
      statuses.push(response.status);
      retryAfter = response.headers.get("retry-after") ?? retryAfter;
      expect(response.headers.get("x-ratelimit-limit")).toBe("3");
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    sim.control.advance(60_000);
    const again = await fetch(`${sim.url}/v1/${sim.orgId}/simulation/unit_test_set/`, { headers: { authorization: `Bearer ${token}` } });
    expect(again.status).toBe(200);
  });

  it("answers 401 without a valid token and 404 for another organization", async () => {
    expect((await fetch(`${sim.url}/v1/${sim.orgId}/simulation/unit_test_set/`)).status).toBe(401);
    const token = await signInRaw();
    const other = await fetch(`${sim.url}/v1/someone-else/simulation/unit_test_set/`, { headers: { authorization: `Bearer ${token}` } });
    expect(other.status).toBe(404);
  });

  it("counts requests per endpoint", async () => {
    sim.control.resetRequests();
    const { client } = testClient(sim);
    await client.listSets();
    await client.listSets();
    expect(sim.control.requestCounts()).toEqual({ signIn: 1, listSets: 2 });
    expect(sim.control.requests("listSets").map((request) => request.status)).toEqual([200, 200]);
  });

  it("seeds a thousand in-progress runs directly, without HTTP", async () => {
    sim.control.resetRequests();
    for (let index = 0; index < 1_000; index++) sim.control.createRun({ set: "Onboarding happy path", creator: `bulk-${index}` });
    expect(sim.control.requestCounts()).toEqual({});
    let count = 0;
    const { client } = testClient(sim);
    for await (const run of client.listRuns({ simulation_unit_test_set_id: [sim.control.sets()[2]?.id ?? ""], is_completed: false })) {
      if (run.creator.user_id.startsWith("bulk-")) count++;
    }
    expect(count).toBe(1_000);
  });
});

async function signInRaw(): Promise<string> {
  const response = await fetch(`${sim.url}/v1/${sim.orgId}/user/signin_with_api_key`, {
    method: "POST",
    headers: { "x-api-key": sim.credentials.apiKey, "x-api-key-id": sim.credentials.apiKeyId, "x-user-id": sim.credentials.userId },
  });
  return ((await response.json()) as { id_token: string }).id_token;
}

describe("without a socket", () => {
  it("answers through app.request, so the same contract is usable in-process", async () => {
    const { createSimulator } = await import("../../functions/local/simulator/index.js");
    const local = createSimulator({ clock: "manual", rateLimits: false });
    const signIn = await local.app.request(`/v1/${local.orgId}/user/signin_with_api_key`, {
      method: "POST",
      headers: { "x-api-key": local.credentials.apiKey, "x-api-key-id": local.credentials.apiKeyId, "x-user-id": local.credentials.userId },
    });
    const { id_token } = (await signIn.json()) as { id_token: string };
    const sets = await local.app.request(`/v1/${local.orgId}/simulation/unit_test_set/?limit=2`, { headers: { authorization: `Bearer ${id_token}` } });
    expect(await sets.json()).toMatchObject({ has_more: true, continuation_token: 2 });
  });
});
