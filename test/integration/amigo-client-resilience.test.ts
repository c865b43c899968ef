/** Sign-in caching and refresh, the 401 retry, retries on 429/5xx/timeouts, and keeping secrets out of errors and logs. */
import { describe, expect, it } from "vitest";
import { ServiceUnavailable, Unauthorized } from "../../functions/core/model/amigo-errors.js";
import type { FetchLike } from "../../functions/amigo/index.js";
import { collect, rejectionOf, testClient, useSimulator } from "../support/simulator.js";

const sim = useSimulator({ tokenLifetimeMs: 60 * 60_000 });

describe("the sign-in token", () => {
  it("is reused until a few minutes before it expires, then refreshed", async () => {
    const { client } = testClient(sim, { tokenRefreshMarginMs: 5 * 60_000 });
    await client.listSets();
    await client.listSets();
    expect(client.requestCounts().signIn).toBe(1);
    sim.control.advance(54 * 60_000);
    await client.listSets();
    expect(client.requestCounts().signIn).toBe(1);
    sim.control.advance(2 * 60_000); // now 4 minutes before expiry
    await client.listSets();
    expect(client.requestCounts().signIn).toBe(2);
  });

  it("is fetched once for many concurrent callers", async () => {
    const { client } = testClient(sim);
    await Promise.all(Array.from({ length: 10 }, () => client.listSets()));
    expect(client.requestCounts().signIn).toBe(1);
  });

  it("is replaced once, and the call retried once, after a 401", async () => {
    const { client, attempts } = testClient(sim);
    await client.listSets();
    sim.control.revokeTokens();
    // Two different reads: identical ones in flight would be one request.
    await Promise.all([client.listSets(), collect(client.listRuns({ is_completed: false }))]);
    expect(client.requestCounts().signIn).toBe(2);
    expect(attempts.filter((attempt) => attempt.status === 401)).toHaveLength(2);
  });

  it("lets a short-lived token live at least half its life before refreshing", async () => {
    sim.control.setTokenLifetime(2 * 60_000);
    const { client } = testClient(sim, { tokenRefreshMarginMs: 5 * 60_000 });
    await client.listSets();
    sim.control.advance(30_000);
    await client.listSets();
    expect(client.requestCounts().signIn).toBe(1);
  });
});

describe("identical reads", () => {
  it("are sent once while in flight, and each caller gets the answer", async () => {
    const { client } = testClient(sim);
    await client.signIn();
    sim.control.faults.delayNext("listRuns", { ms: 100, count: 1 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => collect(client.listRuns({ is_completed: false, limit: 10 }))));
    expect(client.requestCounts().listRuns).toBe(1);
    expect(new Set(answers.map((runs) => runs.length)).size).toBe(1);
    await collect(client.listRuns({ is_completed: false, limit: 10 }));
    expect(client.requestCounts().listRuns).toBe(2);
  });
});

describe("retries", () => {
  it("retries a read after two 503s and succeeds", async () => {
    const { client } = testClient(sim);
    await client.signIn();
    sim.control.faults.failNext("listSets", { status: 503, count: 2 });
    expect((await client.listSets()).length).toBeGreaterThan(0);
    expect(client.requestCounts().listSets).toBe(3);
  });

  it("honours a maintenance 503's Retry-After on reads", async () => {
    const { client } = testClient(sim);
    await client.signIn();
    sim.control.faults.failNext("listSets", { status: 503, retryAfterSeconds: 0 });
    await client.listSets();
    expect(client.requestCounts().listSets).toBe(2);
  });

  it("retries a 429 after its Retry-After, for reads and for createRun", async () => {
    const { client } = testClient(sim);
    await client.signIn();
    sim.control.faults.failNext("listSets", { status: 429, retryAfterSeconds: 0 });
    await client.listSets();
    expect(client.requestCounts().listSets).toBe(2);
    const set = sim.control.addSet({ name: "Retry-After create", unitTests: [{ name: "t", criteria: [] }] });
    sim.control.faults.failNext("createRun", { status: 429, retryAfterSeconds: 0 });
    const { runId } = await client.createRun(set.id);
    expect(sim.control.getRun(runId)).toBeDefined();
    expect(client.requestCounts().createRun).toBe(2);
  });

  it("never retries createRun on a 5xx or a 429 without Retry-After (it is not idempotent)", async () => {
    const { client } = testClient(sim);
    const set = sim.control.addSet({ name: "No blind retries", unitTests: [{ name: "t", criteria: [] }] });
    sim.control.faults.failNext("createRun", { status: 503, count: 3 });
    expect(await rejectionOf(client.createRun(set.id))).toBeInstanceOf(ServiceUnavailable);
    expect(client.requestCounts().createRun).toBe(1);
    sim.control.faults.clear();
    sim.control.faults.failNext("createRun", { status: 429 });
    expect(await rejectionOf(client.createRun(set.id))).toMatchObject({ code: "rate_limited" });
    expect(client.requestCounts().createRun).toBe(2);
  });

  it("retries cancel on a 502", async () => {
    const runId = sim.control.createRun({ set: "Checkout flows", creator: "cancel-retry" });
    const { client } = testClient(sim);
    sim.control.faults.failNext("cancelRun", { status: 502 });
    await client.cancelRun(runId);
    expect(sim.control.getRun(runId)?.is_completed).toBe(true);
    expect(client.requestCounts().cancelRun).toBe(2);
  });

  it("retries a read that timed out", async () => {
    const { client } = testClient(sim, { timeoutMs: 100 });
    await client.signIn();
    sim.control.faults.delayNext("listSets", { ms: 1_000 });
    expect((await client.listSets()).length).toBeGreaterThan(0);
    expect(client.requestCounts().listSets).toBe(2);
  });

  it("does not retry createRun after a timeout", async () => {
    const { client } = testClient(sim, { timeoutMs: 100 });
    const set = sim.control.addSet({ name: "Slow create", unitTests: [{ name: "t", criteria: [] }] });
    await client.signIn();
    sim.control.faults.delayNext("createRun", { ms: 1_000 });
    expect(await rejectionOf(client.createRun(set.id))).toMatchObject({ code: "timeout" });
    expect(client.requestCounts().createRun).toBe(1);
  });
});

describe("secrets", () => {
  it("never puts the API key, key id or token into an error message or a log line", async () => {
    let token = "";
    // Records the token, then plays a server that echoes credentials back in its error bodies.
    const echoing: FetchLike = async (input, init) => {
      const headers = new Headers(init?.headers);
      const response = await fetch(input, init);
      if (String(input).includes("signin")) {
        const body = (await response.json()) as { id_token: string };
        token = body.id_token;
        return new Response(JSON.stringify(body), { status: 200 });
      }
      const echoed = `bad token ${headers.get("authorization")} for key ${sim.credentials.apiKey}/${sim.credentials.apiKeyId}`;
      return new Response(JSON.stringify({ detail: echoed }), { status: 503 });
    };
    const { client, logs } = testClient(sim, { fetch: echoing, retry: { attempts: 2 } });
    const error = await rejectionOf(client.listSets());
    expect(token).not.toBe("");
    const wrong = testClient(sim, { credentials: { ...sim.credentials, apiKey: "wrong-key-abcdef" } });
    const refused = await rejectionOf(wrong.client.listSets());
    expect(refused).toBeInstanceOf(Unauthorized);

    const everything = [
      error.message,
      String((error as { detail?: string }).detail),
      JSON.stringify(error),
      refused.message,
      ...logs.map((entry) => JSON.stringify(entry)),
      ...wrong.logs.map((entry) => JSON.stringify(entry)),
    ].join("\n");
    expect(everything).toContain("[redacted]");
    for (const secret of [token, sim.credentials.apiKey, sim.credentials.apiKeyId, "wrong-key-abcdef"]) {
      expect(everything).not.toContain(secret);
    }
  });
});
