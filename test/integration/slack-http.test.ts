import { type ServerType, serve } from "@hono/node-server";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MemoryStateStore } from "../support/memory-state-store.js";
import { InProcessBus } from "../../functions/bus/in-process-bus.js";
import { accessPolicy } from "../../functions/core/commands/access.js";
import { ACTION_IDS } from "../../functions/core/chat.js";
import { parseConfig } from "../../functions/core/config.js";
import { createCommandWorker } from "../../functions/core/commands/command-worker.js";
import { silentLogger } from "../../functions/core/log.js";
import { createSlackApp } from "../../functions/slack/app.js";
import { SlackChat } from "../../functions/slack/client.js";
import { responseUrlResponder } from "../../functions/slack/response-url.js";
import { RecordingBus } from "../support/recording-bus.js";
import { buttonBody, slackHeaders, slashBody, useSlackStub } from "../support/slack-stub.js";
import { testClient, useSimulator } from "../support/simulator.js";
import { s3WithFreshBucket, testS3Server } from "../support/s3.js";
import { startStallingProxy } from "../support/stalling-proxy.js";
import { S3ArchiveStore } from "../../functions/archive/s3-archive-store.js";
import { createS3Client } from "../../functions/archive/s3-client.js";

const secret = "integration-signing-secret";

const sim = useSimulator({ clock: "real" });
const stub = useSlackStub();
let server: ServerType;
let baseUrl: string;
let bus: InProcessBus;
let recording: RecordingBus;

beforeAll(async () => {
  bus = new InProcessBus({ log: silentLogger, attempts: 3, retryDelayMs: 10 });
  recording = new RecordingBus(bus);
  const state = new MemoryStateStore();
  const access = accessPolicy(parseConfig({ SLACK_ALLOWED_USERS: "U0ALICE,U0BOB", SLACK_API_URL: stub.apiUrl }));
  const chat = new SlackChat({ token: stub.token, apiUrl: stub.apiUrl });
  const worker = createCommandWorker({
    amigo: testClient(sim).client,
    state,
    chat,
    clock: { now: () => new Date() },
    access,
    amigoUser: { org_id: sim.orgId, user_id: sim.credentials.userId },
  });
  bus.subscribe("Command Accepted", async (event) => void (await worker.handle(event.detail)), { name: "command-worker" });
  const app = createSlackApp({
    signingSecret: secret,
    bus: recording,
    access,
    respond: responseUrlResponder({ timeoutMs: 2000 }),
    maxBodyBytes: 32 * 1024,
  });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await bus.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  recording.published.length = 0;
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

function send(path: string, body: string, headers: Record<string, string> = slackHeaders(secret, body, nowSeconds())) {
  return fetch(`${baseUrl}${path}`, { method: "POST", body, headers });
}

// Forged, foreign and unauthorized requests: test/integration/slack-forged.test.ts.
describe("the Slack app over real HTTP", () => {
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

describe("a command typed on a Mac, as Slack sends it", () => {
  it("reads smart dashes before flags, no-break spaces, curly quotes and &amp; in one subscribe", async () => {
    sim.control.addSet({ name: "Fees & refunds", unitTests: [{ name: "Refunds a fee", criteria: [] }] });
    // Slack escapes & as &amp;; macOS turns -- into an em dash and may type a no-break space.
    const typed = [
      "subscribe \u201cFees &amp; refunds\u201d \u2014failures-only",
      "subscribe Fees &amp;\u00a0refunds \u2013mention @here \u2014failures-only",
    ];
    for (const [index, text] of typed.entries()) {
      const id = `typed-${index}`;
      const response = await send("/slack/commands", slashBody({ text, response_url: stub.responseUrl(id) }));
      expect(response.status).toBe(200);
      await bus.idle();
      const reply = stub.responses.find((r) => r.id === id)?.body.text ?? "";
      expect(reply).toContain("failed and errored runs");
      expect(reply).toContain("Fees &amp; refunds");
      expect(reply).not.toContain("no set named");
    }
    expect(stub.responses.find((r) => r.id === "typed-1")?.body.text).toMatch(/mentioning @\u2060?here/);
  });
});

describe("the Download artifacts click", () => {
  it("is acked at once while S3 has not answered, and the link follows once it does", async () => {
    const runId = "6b0b18a44226fdec9400003a";
    const setId = "695b7d904226fdec9400001f";
    const key = `runs/${setId}/${runId}/artifacts.jsonl`;
    const s3 = testS3Server();
    const { client, bucket } = await s3WithFreshBucket("slow-download");
    await new S3ArchiveStore({ client, bucket }).putText(key, '{"turn":1}\n', "application/x-ndjson");
    // The worker reaches S3 through a proxy that holds every request until released.
    const slowS3 = await startStallingProxy(s3.endpoint);
    const slowClient = createS3Client({ endpoint: slowS3.url, region: s3.region, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    const access = accessPolicy(parseConfig({ SLACK_API_URL: stub.apiUrl }));
    const downloads = new InProcessBus({ log: silentLogger, attempts: 1 });
    const worker = createCommandWorker({
      amigo: testClient(sim).client,
      state: new MemoryStateStore(),
      chat: new SlackChat({ token: stub.token, apiUrl: stub.apiUrl }),
      clock: { now: () => new Date() },
      access,
      archive: new S3ArchiveStore({ client: slowClient, bucket }),
      archivePrefix: "runs/",
    });
    downloads.subscribe("Command Accepted", async (e) => void (await worker.handle(e.detail)), { name: "command-worker" });
    const app = createSlackApp({ signingSecret: secret, bus: downloads, access });
    const http = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
    });
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/slack/interactions`;
    const click = (id: string) =>
      fetch(url, { method: "POST", ...signedBody(buttonBody({ actionId: ACTION_IDS.download, value: JSON.stringify({ runId, setId, key }), responseUrl: stub.responseUrl(id) })) });
    try {
      expect((await click("first")).status).toBe(200);
      await until(() => slowS3.held() > 0);
      // S3 is holding the worker's request: a click now is still answered, and nothing has been linked yet.
      expect((await click("second")).status).toBe(200);
      expect(slowS3.held()).toBeGreaterThan(0);
      expect(stub.responses).toEqual([]);
      slowS3.release();
      await downloads.idle();
      expect(stub.responses.map((r) => r.id).sort()).toEqual(["first", "second"]);
      const link = /<(http[^|>]+)\|Download the artifacts>/.exec(JSON.stringify(stub.responses[0]?.body.blocks))?.[1]?.replaceAll("&amp;", "&");
      const file = await fetch(link ?? "");
      expect(file.headers.get("content-disposition")).toBe('attachment; filename="artifacts.jsonl"');
      expect(await file.text()).toBe('{"turn":1}\n');
    } finally {
      slowS3.release();
      await downloads.close();
      await slowS3.close();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        (http as Server).closeAllConnections();
      });
    }
  });
});

function signedBody(body: string): { body: string; headers: Record<string, string> } {
  return { body, headers: slackHeaders(secret, body, nowSeconds()) };
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("the condition never held");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
