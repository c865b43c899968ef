import { type ServerType, serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MemoryStateStore } from "../support/memory-state-store.js";
import { InProcessBus } from "../../functions/bus/in-process-bus.js";
import { ACTION_IDS } from "../../functions/core/chat.js";
import { createCommandWorker } from "../../functions/core/command-worker.js";
import type { SimwatchEvent } from "../../functions/core/events.js";
import { silentLogger } from "../../functions/core/log.js";
import type { EventBus } from "../../functions/core/ports.js";
import type { RunningSimulator } from "../../functions/local/simulator/index.js";
import { createSlackApp } from "../../functions/slack/app.js";
import { SlackChat } from "../../functions/slack/client.js";
import { responseUrlResponder } from "../../functions/slack/response-url.js";
import { buttonBody, type SlackStub, slackHeaders, slashBody, startSlackStub } from "../support/slack-stub.js";
import { startTestSimulator, testClient } from "../support/simulator.js";

const secret = "integration-signing-secret";

/** Records what is published, then hands it on (so "no event" can be asserted on real traffic). */
class RecordingBus implements EventBus {
  readonly published: SimwatchEvent[] = [];
  constructor(private readonly next: EventBus) {}
  async publish(events: readonly SimwatchEvent[]): Promise<void> {
    this.published.push(...events);
    await this.next.publish(events);
  }
}

let sim: RunningSimulator;
let stub: SlackStub;
let server: ServerType;
let baseUrl: string;
let bus: InProcessBus;
let recording: RecordingBus;
let amigoCalls: () => number;

beforeAll(async () => {
  sim = await startTestSimulator({ clock: "real" });
  stub = await startSlackStub();
  bus = new InProcessBus({ log: silentLogger, attempts: 3, retryDelayMs: 10 });
  recording = new RecordingBus(bus);
  const state = new MemoryStateStore();
  const chat = new SlackChat({ token: stub.token, apiUrl: stub.apiUrl });
  const worker = createCommandWorker({
    amigo: testClient(sim).client,
    state,
    chat,
    clock: { now: () => new Date() },
    amigoUser: { org_id: sim.orgId, user_id: sim.credentials.userId },
  });
  bus.subscribe("Command Accepted", async (event) => void (await worker.handle(event.detail)), { name: "command-worker" });
  const app = createSlackApp({
    signingSecret: secret,
    bus: recording,
    allowed: { users: ["U0ALICE", "U0BOB"], channels: [] },
    respond: responseUrlResponder({ timeoutMs: 2000 }),
    maxBodyBytes: 32 * 1024,
  });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  amigoCalls = () => Object.values(sim.control.requestCounts()).reduce((a, b) => a + (b ?? 0), 0);
});

afterAll(async () => {
  await bus.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await stub.close();
  await sim.close();
});

beforeEach(() => {
  stub.reset();
  recording.published.length = 0;
  sim.control.resetRequests();
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

function send(path: string, body: string, headers: Record<string, string> = slackHeaders(secret, body, nowSeconds())) {
  return fetch(`${baseUrl}${path}`, { method: "POST", body, headers });
}

describe("the Slack app over real HTTP", () => {
  it("refuses bad requests with the right status and causes nothing, not even an Amigo call", async () => {
    const body = slashBody({ text: "run checkout", response_url: stub.responseUrl() });
    const cases: [RequestInit & { path?: string }, number][] = [
      [{ body, headers: slackHeaders("wrong", body, nowSeconds()) }, 401],
      [{ body: `${body}&x=1`, headers: slackHeaders(secret, body, nowSeconds()) }, 401],
      // Exact 5-minute boundaries are pinned in slack-verify.test.ts with a fixed clock; over real
      // HTTP a second may tick between signing and checking, so these stay clear of the edge.
      [{ body, headers: slackHeaders(secret, body, nowSeconds() - 330) }, 401],
      [{ body, headers: slackHeaders(secret, body, nowSeconds() + 330) }, 401],
      [{ body, headers: { "content-type": "application/x-www-form-urlencoded" } }, 401],
      [{ body, headers: { ...slackHeaders(secret, body, nowSeconds()), "x-slack-request-timestamp": "NaN" } }, 401],
      [{ body, headers: slackHeaders(secret, body, nowSeconds(), "application/json") }, 415],
      [{ body: "x".repeat(40_000), headers: slackHeaders(secret, "x".repeat(40_000), nowSeconds()) }, 413],
      [{ path: "/slack/interactions", body, headers: slackHeaders("wrong", body, nowSeconds()) }, 401],
    ];
    for (const [init, status] of cases) {
      const response = await fetch(`${baseUrl}${init.path ?? "/slack/commands"}`, { method: "POST", body: init.body ?? null, headers: init.headers ?? {} });
      expect(response.status, JSON.stringify(init.headers)).toBe(status);
    }
    await bus.idle();
    expect(recording.published).toEqual([]);
    expect(stub.responses).toEqual([]);
    expect(amigoCalls()).toBe(0);
  });

  it("answers usage errors and unauthorized users at once, ephemerally, without an event or an Amigo call", async () => {
    const texts = ["frobnicate", "run", "cancel nope", "run <@U0EVE>", "subscribe x --mention nobody"];
    for (const text of texts) {
      const response = await send("/slack/commands", slashBody({ text }));
      expect(response.status).toBe(200);
      expect(((await response.json()) as { response_type: string }).response_type).toBe("ephemeral");
    }
    const refused = await send("/slack/commands", slashBody({ text: "run checkout", user_id: "U0EVE" }));
    expect(((await refused.json()) as { text: string }).text).toMatch(/not allowed/);
    const button = buttonBody({ actionId: ACTION_IDS.cancel, value: JSON.stringify({ runId: "65f000000000000000000001" }), userId: "U0EVE", responseUrl: stub.responseUrl("eve") });
    expect((await send("/slack/interactions", button)).status).toBe(200);
    await bus.idle();
    expect(recording.published).toEqual([]);
    expect(amigoCalls()).toBe(0);
    expect(stub.responses.map((r) => r.id)).toEqual(["eve"]);
    expect(stub.responses[0]!.body.text).toMatch(/not allowed/);
  });

  it("acks a run at once and the worker starts it, announces it and answers via response_url", async () => {
    const response = await send("/slack/commands", slashBody({ text: 'run "Billing disputes"', response_url: stub.responseUrl("x") }));
    expect(response.status).toBe(200);
    expect(((await response.json()) as { text: string }).text).toMatch(/Working on/);
    await bus.idle();
    expect(recording.published).toHaveLength(1);
    const announcement = stub.topLevel("C0GENERAL");
    expect(announcement).toHaveLength(1);
    expect(announcement[0]!.text).toContain("Billing disputes: running");
    expect(stub.responses.find((r) => r.id === "x")?.body.text).toContain("Started run");
  });

  it("turns a cancel button into a cancel by the worker", async () => {
    const runId = sim.control.createRun({ set: "Onboarding happy path" });
    const body = buttonBody({ actionId: ACTION_IDS.cancel, value: JSON.stringify({ runId }), userId: "U0BOB", responseUrl: stub.responseUrl("cancel") });
    expect((await send("/slack/interactions", body)).status).toBe(200);
    await bus.idle();
    expect(stub.responses.find((r) => r.id === "cancel")?.body.text).toContain("Amigo accepted the cancel of run");
    expect(stub.responses.find((r) => r.id === "cancel")?.body.replace_original).toBe(false);
    expect(sim.control.getRun(runId)?.is_completed).toBe(true);
  });
});
