/** Each typed error a caller can act on, produced by real answers from the simulator. */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import {
  ActiveRunExists,
  AmigoApiError,
  AmigoNetworkError,
  AmigoResponseError,
  AmigoTimeout,
  ArtifactsNotReady,
  InvalidRequest,
  NotFound,
  RateLimited,
  RunNotInProgress,
  ServiceUnavailable,
  Unauthorized,
} from "../../functions/core/model/amigo-errors.js";
import type { FetchLike } from "../../functions/amigo/index.js";
import { collect, rejectionOf, startTestSimulator, testClient, useSimulator } from "../support/simulator.js";

const sim = useSimulator();

const UNKNOWN_ID = "0123456789abcdef01234567";

describe("errors a caller can branch on", () => {
  it("ActiveRunExists when the user already has an unfinished run of the set", async () => {
    const { client } = testClient(sim);
    const set = sim.control.addSet({ name: "Conflicts", unitTests: [{ name: "t", criteria: [] }] });
    await client.createRun(set.id);
    const error = await rejectionOf(client.createRun(set.id));
    expect(error).toBeInstanceOf(ActiveRunExists);
    expect(error).toMatchObject({ name: "ActiveRunExists", code: "active_run_exists", status: 409 });
    expect((error as AmigoApiError).detail).toBe("The user already has an unfinished run for this simulation unit test set.");
  });

  it("RunNotInProgress when cancelling a finished run", async () => {
    const runId = sim.control.createRun({ set: "Checkout flows", creator: "finished", outcome: { durationMs: 10 } });
    sim.control.advance(10);
    const error = await rejectionOf(testClient(sim).client.cancelRun(runId));
    expect(error).toMatchObject({ name: "RunNotInProgress", code: "run_not_in_progress", status: 409 });
    expect(error).toBeInstanceOf(RunNotInProgress);
  });

  it("ArtifactsNotReady while the run is running or its artifacts are being generated", async () => {
    const runId = sim.control.createRun({ set: "Checkout flows", creator: "early", outcome: { durationMs: 10, artifactsDelayMs: null } });
    sim.control.advance(1_000);
    const error = await rejectionOf(testClient(sim).client.getArtifactsLink(runId));
    expect(error).toBeInstanceOf(ArtifactsNotReady);
    expect(error).toMatchObject({ code: "artifacts_not_ready", status: 400 });
  });

  it("NotFound for an unknown set or run", async () => {
    const { client } = testClient(sim);
    expect(await rejectionOf(client.createRun(UNKNOWN_ID))).toMatchObject({ name: "NotFound", code: "not_found", status: 404 });
    expect(await rejectionOf(client.cancelRun(UNKNOWN_ID))).toBeInstanceOf(NotFound);
    expect(await rejectionOf(client.getArtifactsLink(UNKNOWN_ID))).toBeInstanceOf(NotFound);
  });

  it("InvalidRequest with the 422 detail rendered readably", async () => {
    const error = await rejectionOf(testClient(sim).client.createRun("not-a-set-id"));
    expect(error).toBeInstanceOf(InvalidRequest);
    expect((error as AmigoApiError).detail).toBe("body.simulation_unit_test_set_id: String should match pattern '^[a-f0-9]{24}$'");
  });

  it("RateLimited, with Retry-After, once the published limit is used up", async () => {
    sim.control.setRateLimits(true, { cancelRun: 2 });
    const { client } = testClient(sim, { retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 0 } });
    const runs = [1, 2, 3].map((index) => sim.control.createRun({ set: "Checkout flows", creator: `limited-${index}` }));
    await client.cancelRun(runs[0] ?? "");
    await client.cancelRun(runs[1] ?? "");
    const error = await rejectionOf(client.cancelRun(runs[2] ?? ""));
    expect(error).toBeInstanceOf(RateLimited);
    expect(error).toMatchObject({ code: "rate_limited", status: 429 });
    expect((error as RateLimited).retryAfterSeconds).toBeGreaterThan(0);
    const limited = sim.control.requests("cancelRun").at(-1);
    expect(limited?.status).toBe(429);
  });

  it("Unauthorized when the API key is wrong", async () => {
    const { client } = testClient(sim, { credentials: { ...sim.credentials, apiKey: "wrong-key-123456" } });
    const error = await rejectionOf(client.listSets());
    expect(error).toBeInstanceOf(Unauthorized);
    expect(error).toMatchObject({ code: "unauthorized", status: 401 });
    expect(error.message).toContain("AMIGO_API_KEY");
  });

  it("Unauthorized when the token is refused even after signing in again", async () => {
    const { client } = testClient(sim);
    await client.signIn();
    sim.control.faults.failNext("listSets", { status: 401, count: 2, detail: "Invalid authorization credentials." });
    const error = await rejectionOf(client.listSets());
    expect(error).toBeInstanceOf(Unauthorized);
    expect(client.requestCounts()).toMatchObject({ signIn: 2, listSets: 2 });
  });

  it("ServiceUnavailable once retries are used up", async () => {
    sim.control.faults.failNext("listSets", { status: 503, count: 10 });
    const { client } = testClient(sim, { retry: { attempts: 3 } });
    const error = await rejectionOf(client.listSets());
    expect(error).toMatchObject({ name: "ServiceUnavailable", code: "service_unavailable", status: 503 });
    expect(error).toBeInstanceOf(ServiceUnavailable);
    expect(client.requestCounts().listSets).toBe(3);
  });

  it("AmigoTimeout when the answer is slower than the timeout", async () => {
    sim.control.faults.delayNext("listSets", { ms: 1_000, count: 10 });
    const { client } = testClient(sim, { timeoutMs: 50, retry: { attempts: 2 } });
    await client.signIn();
    const error = await rejectionOf(client.listSets());
    expect(error).toBeInstanceOf(AmigoTimeout);
    expect(error).toMatchObject({ code: "timeout" });
    expect(client.requestCounts().listSets).toBe(2);
  });

  it("AmigoNetworkError when nothing listens", async () => {
    const gone = await startTestSimulator();
    await gone.close();
    const { client } = testClient(gone, { retry: { attempts: 2 } });
    const error = await rejectionOf(client.listSets());
    expect(error).toBeInstanceOf(AmigoNetworkError);
    expect(error).toMatchObject({ code: "network" });
  });

  it("AmigoResponseError naming the missing field and the endpoint when the page itself is broken", async () => {
    // A page without `has_more` cannot be read at all (a malformed record only skips that record).
    sim.control.createRun({ set: "Checkout flows", creator: "schema-breaker" });
    sim.control.faults.corruptNext("listRuns", { envelope: { drop: ["has_more"] } });
    const { client } = testClient(sim);
    const error = await rejectionOf(collect(client.listRuns({ creator: [`${sim.orgId},schema-breaker`] })));
    expect(error).toBeInstanceOf(AmigoResponseError);
    expect(error.message).toContain("has_more");
    expect(error.message).toContain("GET /v1/{org}/simulation/unit_test_set_run/");
    expect((error as AmigoResponseError).fieldPaths).toEqual(["has_more"]);
  });

  it("tolerates fields the schema does not know", async () => {
    const extra: FetchLike = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).includes("unit_test_set/")) return response;
      const body = (await response.json()) as Record<string, unknown>;
      return new Response(JSON.stringify({ ...body, brand_new_field: { nested: true } }), { status: 200 });
    };
    const sets = await testClient(sim, { fetch: extra }).client.listSets();
    expect(sets.length).toBeGreaterThan(0);
  });
});

describe("redirects", () => {
  /** A server that records what reaches it, headers included: nothing may. */
  async function catcher() {
    const seen: { url: string | undefined; headers: Record<string, unknown> }[] = [];
    const server = createServer((request, response) => {
      seen.push({ url: request.url, headers: request.headers });
      response.writeHead(200, { "content-type": "application/json" }).end('{"id_token":"x","expires_at":"2099-01-01T00:00:00Z"}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { seen, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  it.each([
    ["sign-in (whose answer carries the API key headers)", "signIn" as const, 307],
    ["a list call (with the bearer token)", "listRuns" as const, 302],
    ["creating a run", "createRun" as const, 308],
  ])("are never followed from %s: the call fails saying so, and nothing reaches the Location", async (_name, endpoint, status) => {
    const elsewhere = await catcher();
    try {
      const { client, logs } = testClient(sim);
      if (endpoint !== "signIn") await collect(client.listRuns({ limit: 1 }));
      sim.control.faults.failNext(endpoint, { status, redirectTo: `${elsewhere.url}/v1/${sim.orgId}/steal` });
      const set = sim.control.sets()[0]!;
      const call = endpoint === "createRun" ? client.createRun(set.id) : collect(client.listRuns({ limit: 1 }));
      const error = await rejectionOf(call);
      expect(error).toBeInstanceOf(AmigoApiError);
      expect(error).toMatchObject({ code: "http_error", status });
      expect(error.message).toMatch(/a redirect, .*simwatch never follows Amigo's redirects/);
      expect(elsewhere.seen).toEqual([]);
      expect(JSON.stringify(logs)).not.toContain(sim.credentials.apiKey);
    } finally {
      await elsewhere.close();
    }
  });
});
