/**
 * Forged, foreign and unauthorized requests, read as an attacker would send them: over real
 * HTTP to the Hono app, whose `Command Accepted` events go to the real command worker on the
 * in-process bus, with Amigo as the simulator, Slack as the stand-in and state in a folder.
 * Plus `Command Accepted` events put on the bus directly, as anyone who can publish there could.
 * After every one of them: no event from the app, no Amigo call, nothing posted or edited in a
 * channel, no state changed, nothing sent to a host that is not Slack's; at most the sender is
 * told, privately, why not.
 */
import { type ServerType, serve } from "@hono/node-server";
import { createHash } from "node:crypto";
import { mkdtemp, readFile } from "node:fs/promises";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileSystemStateStore } from "../../functions/archive/fs-state-store.js";
import { InProcessBus } from "../../functions/bus/in-process-bus.js";
import { accessPolicy } from "../../functions/core/commands/access.js";
import { ACTION_IDS } from "../../functions/core/chat.js";
import { createCommandWorker } from "../../functions/core/commands/command-worker.js";
import { parseConfig } from "../../functions/core/config.js";
import { type CommandAcceptedDetail, event } from "../../functions/core/events.js";
import { silentLogger } from "../../functions/core/log.js";
import { STATE_ROOT } from "../../functions/core/idempotency/state-keys.js";
import type { RunningSimulator } from "../../functions/local/simulator/index.js";
import { createSlackApp } from "../../functions/slack/app.js";
import { SlackChat } from "../../functions/slack/client.js";
import { responseUrlResponder } from "../../functions/slack/response-url.js";
import { RecordingBus } from "../support/recording-bus.js";
import { buttonBody, eventBody, eventHeaders, type SlackStub, slackHeaders, slashBody, startSlackStub } from "../support/slack-stub.js";
import { startTestSimulator, testClient } from "../support/simulator.js";

const secret = "forged-corpus-signing-secret";
const RUN_ID = "65f000000000000000000001";
const SET_ID = "695b7d904226fdec9400001f";

let sim: RunningSimulator;
let stub: SlackStub;
let server: ServerType;
let catcher: Server;
let caught: string[];
let catcherUrl: string;
let baseUrl: string;
let bus: InProcessBus;
let fromApp: RecordingBus;
let state: FileSystemStateStore;
let stateRoot: string;

const nowSeconds = () => Math.floor(Date.now() / 1000);
const signed = (body: string, timestamp = nowSeconds(), contentType?: string) => slackHeaders(secret, body, timestamp, contentType);
const signatureOf = (body: string, timestamp = nowSeconds()) => signed(body, timestamp)["x-slack-signature"] ?? "";

/** Every state file and its bytes: "nothing changed" means this is the same before and after. */
async function stateSnapshot(): Promise<Record<string, string>> {
  const keys = (await state.list(STATE_ROOT)).filter((key) => !key.includes("/bus/")).sort();
  const entries = await Promise.all(keys.map(async (key) => [key, createHash("sha256").update(await readFile(join(stateRoot, key))).digest("hex")] as const));
  return Object.fromEntries(entries);
}

const amigoCalls = () => Object.values(sim.control.requestCounts()).reduce((sum, count) => sum + (count ?? 0), 0);

beforeAll(async () => {
  sim = await startTestSimulator({ clock: "real" });
  stub = await startSlackStub();
  caught = [];
  catcher = createServer((request, response) => {
    caught.push(`${request.method} ${request.url}`);
    response.writeHead(200).end("ok");
  });
  await new Promise<void>((resolve) => catcher.listen(0, "127.0.0.1", resolve));
  catcherUrl = `http://127.0.0.1:${(catcher.address() as AddressInfo).port}`;
  stateRoot = await mkdtemp(join(tmpdir(), "simwatch-forged-"));
  state = new FileSystemStateStore({ root: stateRoot });
  // The app and the worker read the same configuration, as in Lambda.
  const config = parseConfig({ SLACK_ALLOWED_USERS: "U0ALICE,U0BOB", SLACK_ALLOWED_CHANNELS: "C0GENERAL,C0OPS", SLACK_TEAM_ID: "T0TEAM,E0ORG", SLACK_API_URL: stub.apiUrl });
  const access = accessPolicy(config);
  bus = new InProcessBus({ log: silentLogger, attempts: 1 });
  fromApp = new RecordingBus(bus);
  const worker = createCommandWorker({
    amigo: testClient(sim).client,
    state,
    chat: new SlackChat({ token: stub.token, apiUrl: stub.apiUrl, timeoutMs: 2000 }),
    clock: { now: () => new Date() },
    access,
    amigoUser: { org_id: sim.orgId, user_id: sim.credentials.userId },
    waitForPostMs: 1000,
  });
  bus.subscribe("Command Accepted", async (e) => void (await worker.handle(e.detail)), { name: "command-worker" });
  const app = createSlackApp({ signingSecret: secret, bus: fromApp, access, respond: responseUrlResponder({ timeoutMs: 2000 }), maxBodyBytes: 32 * 1024 });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // Something worth protecting: the channel hears about a set, subscribed by someone allowed.
  const body = slashBody({ text: 'subscribe "Billing disputes"', response_url: stub.responseUrl("seed") });
  expect((await fetch(`${baseUrl}/slack/commands`, { method: "POST", body, headers: signed(body) })).status).toBe(200);
  await bus.idle();
  expect(stub.responses.find((r) => r.id === "seed")?.body.text).toContain("now hears about");
});

afterAll(async () => {
  await bus.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await new Promise<void>((resolve) => catcher.close(() => resolve()));
  await stub.close();
  await sim.close();
});

/** A POST whose headers are sent as given, repeated names as separate header lines. */
function rawPost(path: string, body: string, headers: Record<string, string | string[]>): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${baseUrl}${path}`, { method: "POST" }, (response) => {
      response.resume();
      response.on("end", () => resolve({ status: response.statusCode ?? 0 }));
    });
    request.on("error", reject);
    for (const [name, value] of Object.entries(headers)) request.setHeader(name, value);
    request.end(body);
  });
}

async function post(path: string, body: string, headers: Record<string, string> = signed(body)): Promise<Sent> {
  const response = await fetch(`${baseUrl}${path}`, { method: "POST", body, headers });
  const text = await response.text();
  return { status: response.status, ...(text.startsWith("{") ? { ephemeral: JSON.parse(text) as Sent["ephemeral"] } : {}) };
}

/** `answered`: the private answer the sender gets (in the HTTP answer for a slash command, else at its response_url). */
type Case = { name: string; send: () => Promise<Sent>; status: number; answered?: RegExp };
type Sent = { status: number; ephemeral?: { response_type?: string; text?: string } };

const slash = (fields: Parameters<typeof slashBody>[0]) => slashBody({ response_url: stub.responseUrl("refused"), ...fields });
const cmd = (name: string, body: () => string, headers: (body: string) => Record<string, string>, status: number): Case => ({
  name,
  status,
  send: () => {
    const b = body();
    return post("/slack/commands", b, headers(b));
  },
});
const signedCommand = (name: string, fields: Parameters<typeof slashBody>[0], status: number, answered?: RegExp): Case => ({
  name,
  status,
  ...(answered ? { answered } : {}),
  send: () => {
    const b = slash(fields);
    return post("/slack/commands", b);
  },
});
const click = (name: string, options: Omit<Parameters<typeof buttonBody>[0], "responseUrl"> & { responseUrl?: string }, status: number, answered?: RegExp): Case => ({
  name,
  status,
  ...(answered ? { answered } : {}),
  send: () => {
    const b = buttonBody({ responseUrl: stub.responseUrl("refused"), ...options });
    return post("/slack/interactions", b);
  },
});
const cancelButton = { actionId: ACTION_IDS.cancel, value: JSON.stringify({ runId: RUN_ID }) };
const rerunButton = { actionId: ACTION_IDS.rerun, value: JSON.stringify({ setId: SET_ID }) };
const downloadButton = { actionId: ACTION_IDS.download, value: JSON.stringify({ runId: RUN_ID, setId: SET_ID, key: `runs/${SET_ID}/${RUN_ID}/artifacts.jsonl` }) };
const who = /Only <@U0ALICE> and <@U0BOB> may use/;
const where = /work only in <#C0GENERAL> and <#C0OPS>/;
const workspace = /SLACK_TEAM_ID/;

/** Published on the bus directly, bypassing the app (as anyone with events:PutEvents could). */
const onTheBus = (name: string, detail: () => Partial<CommandAcceptedDetail>, answered?: RegExp): Case => ({
  name: `on the bus: ${name}`,
  status: 0,
  ...(answered ? { answered } : {}),
  send: async () => {
    const accepted: CommandAcceptedDetail = {
      command: { verb: "unsubscribe", set: "Billing disputes" },
      text: "/sim unsubscribe Billing disputes",
      userId: "U0ALICE",
      channelId: "C0GENERAL",
      teamId: "T0TEAM",
      responseUrl: stub.responseUrl("refused"),
      requestId: `bus-${Math.random()}`,
      ...detail(),
    };
    await bus.publish([event("Command Accepted", accepted)]);
    return { status: 0 };
  },
});

/** An Events API request (the Home tab's app_home_opened unless `body` says otherwise). */
const slackEvent = (name: string, body: () => string, headers: (body: string) => Record<string, string>, status: number): Case => ({
  name: `event: ${name}`,
  status,
  send: () => {
    const b = body();
    return post("/slack/events", b, headers(b));
  },
});
const home = (options: Parameters<typeof eventBody>[0] = {}) => () => eventBody(options);
const signedEvent = (b: string, timestamp = nowSeconds()) => eventHeaders(secret, b, timestamp);

const text = "run Checkout";
const corpus: Case[] = [
  // The Events API: signatures and timestamps (401), bodies (415, 400), other workspaces (403)
  slackEvent("a wrong signing secret", home(), (b) => eventHeaders("not-the-secret", b, nowSeconds()), 401),
  slackEvent("no signature header", home(), () => ({ "content-type": "application/json", "x-slack-request-timestamp": String(nowSeconds()) }), 401),
  slackEvent("no Slack headers at all", home(), () => ({ "content-type": "application/json" }), 401),
  slackEvent("a tampered body", home(), (b) => signedEvent(b.replace("U0ALICE", "U0BOB")), 401),
  slackEvent("a stale timestamp (5.5 minutes old)", home(), (b) => signedEvent(b, nowSeconds() - 330), 401),
  slackEvent("a replay from an hour ago, as a retry", home(), (b) => eventHeaders(secret, b, nowSeconds() - 3600, 1), 401),
  slackEvent("a url_verification with a wrong signature", () => JSON.stringify({ type: "url_verification", challenge: "c" }), (b) => eventHeaders("nope", b, nowSeconds()), 401),
  slackEvent("a form body instead of JSON", () => slash({ text }), (b) => signed(b), 415),
  slackEvent("a body that is not JSON", () => "{not json", (b) => signedEvent(b), 400),
  slackEvent("an event_callback without an event id", () => eventBody().replace('"event_id"', '"no_event_id"'), (b) => signedEvent(b), 400),
  slackEvent("an app_home_opened with a garbled user id", home({ event: { type: "app_home_opened", user: "U1<script>", tab: "home" } }), (b) => signedEvent(b), 400),
  slackEvent("a Home opened in another team", home({ teamId: "T0OTHER" }), (b) => signedEvent(b), 403),
  slackEvent("a Home opened in another enterprise", home({ teamId: "T0OTHER", enterpriseId: "E0OTHER" }), (b) => signedEvent(b), 403),
  slackEvent("a Home opened naming no team", () => eventBody().replace('"team_id":"T0TEAM",', ""), (b) => signedEvent(b), 403),
  slackEvent("an event type simwatch does not use", home({ event: { type: "message", user: "U0ALICE", text: "run Checkout", channel: "C0GENERAL" } }), (b) => signedEvent(b), 200),
  slackEvent("the Messages tab opened", home({ event: { type: "app_home_opened", user: "U0ALICE", tab: "messages" } }), (b) => signedEvent(b), 200),
  slackEvent("app_rate_limited", () => JSON.stringify({ token: "t", type: "app_rate_limited", team_id: "T0TEAM", minute_rate_limited: 1518467820, api_app_id: "A0SIMWATCH" }), (b) => signedEvent(b), 200),

  // Signatures and timestamps (401)
  cmd("a wrong signing secret", () => slash({ text }), (b) => slackHeaders("not-the-secret", b, nowSeconds()), 401),
  cmd("a tampered body", () => slash({ text }), (b) => signed(b.replace("Checkout", "Billing")), 401),
  cmd("a parameter appended after signing", () => `${slash({ text })}&user_id=U0BOB`, (b) => signed(b.slice(0, b.lastIndexOf("&"))), 401),
  cmd("a stale timestamp (5.5 minutes old)", () => slash({ text }), (b) => signed(b, nowSeconds() - 330), 401),
  cmd("a future timestamp (5.5 minutes ahead)", () => slash({ text }), (b) => signed(b, nowSeconds() + 330), 401),
  cmd("a replay from an hour ago", () => slash({ text }), (b) => signed(b, nowSeconds() - 3600), 401),
  cmd("no signature header", () => slash({ text }), (b) => ({ "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": String(nowSeconds()) }), 401),
  cmd("no timestamp header", () => slash({ text }), (b) => ({ "content-type": "application/x-www-form-urlencoded", "x-slack-signature": signatureOf(b) }), 401),
  cmd("no Slack headers at all", () => slash({ text }), () => ({ "content-type": "application/x-www-form-urlencoded" }), 401),
  cmd("a non-numeric timestamp", () => slash({ text }), (b) => ({ ...signed(b), "x-slack-request-timestamp": "NaN" }), 401),
  cmd("a timestamp in milliseconds", () => slash({ text }), (b) => signed(b, Date.now()), 401),
  cmd("a fractional timestamp", () => slash({ text }), (b) => ({ ...signed(b), "x-slack-request-timestamp": `${nowSeconds()}.5` }), 401),
  cmd("a negative timestamp", () => slash({ text }), (b) => ({ ...signed(b), "x-slack-request-timestamp": `-${nowSeconds()}` }), 401),
  cmd("a signature over another timestamp", () => slash({ text }), (b) => ({ ...signed(b), "x-slack-signature": signatureOf(b, nowSeconds() - 10) }), 401),
  cmd("a v1 signature", () => slash({ text }), (b) => ({ ...signed(b), "x-slack-signature": signatureOf(b).replace("v0=", "v1=") }), 401),
  cmd("a signature without its version", () => slash({ text }), (b) => ({ ...signed(b), "x-slack-signature": signatureOf(b).slice(3) }), 401),
  cmd("an upper-case version", () => slash({ text }), (b) => ({ ...signed(b), "x-slack-signature": signatureOf(b).replace("v0=", "V0=") }), 401),
  cmd("an upper-case digest", () => slash({ text }), (b) => ({ ...signed(b), "x-slack-signature": `v0=${signatureOf(b).slice(3).toUpperCase()}` }), 401),
  cmd("a mixed-case digest", () => slash({ text }), (b) => ({ ...signed(b), "x-slack-signature": `v0=${signatureOf(b).slice(3, 20).toUpperCase()}${signatureOf(b).slice(20)}` }), 401),
  cmd("a truncated digest", () => slash({ text }), (b) => ({ ...signed(b), "x-slack-signature": signatureOf(b).slice(0, -1) }), 401),
  cmd("a digest with trailing junk", () => slash({ text }), (b) => ({ ...signed(b), "x-slack-signature": `${signatureOf(b)}00` }), 401),
  cmd("a SHA-1-length digest", () => slash({ text }), (b) => ({ ...signed(b), "x-slack-signature": `v0=${"a".repeat(40)}` }), 401),
  cmd("a digest that is not hex", () => slash({ text }), (b) => ({ ...signed(b), "x-slack-signature": `v0=${"z".repeat(64)}` }), 401),
  cmd("an empty signature", () => slash({ text }), (b) => ({ ...signed(b), "x-slack-signature": "" }), 401),
  cmd("two signatures joined in one header", () => slash({ text }), (b) => ({ ...signed(b), "x-slack-signature": `${signatureOf(b)},${signatureOf(b)}` }), 401),
  {
    name: "two signature headers",
    status: 401,
    send: () => {
      const b = slash({ text });
      return rawPost("/slack/commands", b, { ...signed(b), "x-slack-signature": [signatureOf(b), signatureOf(b)] });
    },
  },
  {
    name: "two timestamp headers",
    status: 401,
    send: () => {
      const b = slash({ text });
      const ts = String(nowSeconds());
      return rawPost("/slack/commands", b, { ...signed(b), "x-slack-request-timestamp": [ts, ts] });
    },
  },
  cmd("an interaction signed with a wrong secret", () => buttonBody(cancelButton), (b) => slackHeaders("nope", b, nowSeconds()), 401),
  {
    name: "an interaction signed for another body",
    status: 401,
    send: () => post("/slack/interactions", buttonBody(cancelButton), signed("payload=%7B%7D")),
  },
  // Bodies (413, 415, 400)
  cmd("a body over the size limit", () => slash({ text: `run ${"x".repeat(40_000)}` }), (b) => signed(b), 413),
  cmd("JSON instead of a form", () => JSON.stringify({ text }), (b) => signed(b, nowSeconds(), "application/json"), 415),
  cmd("a text/plain body", () => slash({ text }), (b) => signed(b, nowSeconds(), "text/plain"), 415),
  cmd("multipart form data", () => slash({ text }), (b) => signed(b, nowSeconds(), "multipart/form-data; boundary=x"), 415),
  cmd("an empty signed body", () => "", (b) => signed(b), 400),
  cmd("a command without a user", () => "command=%2Fsim&text=run+x&channel_id=C0GENERAL", (b) => signed(b), 400),
  cmd("a command with a garbled channel id", () => slash({ text, channel_id: "C1<script>" }), (b) => signed(b), 400),
  { name: "an interaction without a payload", status: 400, send: () => post("/slack/interactions", "foo=bar") },
  { name: "an interaction whose payload is not JSON", status: 400, send: () => post("/slack/interactions", "payload=%7Bnot+json") },
  click("a cancel button naming no run id", { actionId: ACTION_IDS.cancel, value: JSON.stringify({ runId: "nope" }) }, 400),
  click("a button whose channel and container disagree (replayed from another channel)", { ...cancelButton, containerChannelId: "C0ELSEWHERE" }, 400),
  // Foreign response_url (400)
  signedCommand("a response_url on another host", { text: "list", response_url: "https://evil.example/commands/T/1/x" }, 400),
  signedCommand("a response_url on a look-alike host", { text: "list", response_url: "https://hooks.slack.com.evil.example/commands/1" }, 400),
  signedCommand("a plain http response_url", { text: "list", response_url: "http://hooks.slack.com/commands/T/1/x" }, 400),
  signedCommand("a response_url with credentials", { text: "list", response_url: "https://user:pass@hooks.slack.com/commands/T/1/x" }, 400),
  signedCommand("a response_url on this machine", { text: "list", response_url: "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next" }, 400),
  signedCommand("a file: response_url", { text: "list", response_url: "file:///etc/passwd" }, 400),
  click("a button with a response_url on another host", { ...cancelButton, responseUrl: "https://evil.example/actions/1" }, 400),
  // Other workspaces (answered, privately)
  signedCommand("a read-only command from another team", { text: "list", team_id: "T0OTHER" }, 200, workspace),
  signedCommand("help from another team", { text: "help", team_id: "T0OTHER" }, 200, workspace),
  signedCommand("a run from another enterprise", { text, team_id: "T0OTHER", enterprise_id: "E0OTHER" }, 200, workspace),
  signedCommand("a subscribe naming no team", { text: 'subscribe "Billing disputes"', team_id: "" }, 200, workspace),
  signedCommand("a usage error from another team", { text: "frobnicate", team_id: "T0OTHER" }, 200, workspace),
  click("a cancel click from another team", { ...cancelButton, teamId: "T0OTHER" }, 200, workspace),
  click("a re-run click from another enterprise", { ...rerunButton, teamId: "T0OTHER", userTeamId: "E0OTHER", enterpriseId: "E0OTHER" }, 200, workspace),
  click("a Slack Connect click by another company's member in our channel", { ...cancelButton, userId: "U0GUEST", userTeamId: "T0OTHER" }, 200, workspace),
  click("a download click from another team", { ...downloadButton, teamId: "T0OTHER" }, 200, workspace),
  // People and channels not allowed (answered, privately)
  signedCommand("a run by someone not allowed", { text, user_id: "U0EVE" }, 200, who),
  signedCommand("a cancel by someone not allowed", { text: `cancel ${RUN_ID}`, user_id: "U0EVE" }, 200, who),
  signedCommand("a subscribe with --mention @channel by someone not allowed", { text: 'subscribe "Billing disputes" --mention @channel', user_id: "U0EVE" }, 200, who),
  signedCommand("an unsubscribe by someone not allowed", { text: 'unsubscribe "Billing disputes"', user_id: "U0EVE" }, 200, who),
  signedCommand("an unsubscribe from a channel not allowed", { text: 'unsubscribe "Billing disputes"', channel_id: "C0RANDOM" }, 200, where),
  signedCommand("a run from a channel not allowed", { text, channel_id: "C0RANDOM" }, 200, where),
  signedCommand("a run in a direct message", { text, channel_id: "D0DIRECT" }, 200, where),
  click("a cancel click by someone not allowed", { ...cancelButton, userId: "U0EVE" }, 200, who),
  click("a re-run click by someone not allowed", { ...rerunButton, userId: "U0EVE" }, 200, who),
  click("a download click by someone not allowed", { ...downloadButton, userId: "U0EVE" }, 200, who),
  click("a Run click on the Home tab by someone not allowed", { ...rerunButton, userId: "U0EVE", fromHome: true }, 200),
  click("a Cancel click on the Home tab by someone not allowed", { ...cancelButton, userId: "U0EVE", fromHome: true }, 200),
  click("a Run click on the Home tab where only channels are allowed", { ...rerunButton, fromHome: true }, 200),
  click("a Run click on the Home tab from another team", { ...rerunButton, teamId: "T0OTHER", fromHome: true }, 200),
  click("a re-run button replayed in another channel", { ...rerunButton, channelId: "C0RANDOM" }, 200, where),
  click("a cancel button replayed in another channel", { ...cancelButton, channelId: "C0RANDOM" }, 200, where),
  // Command Accepted events that did not come through the app
  onTheBus("an unsubscribe with a foreign response_url", () => ({ responseUrl: "https://evil.example/commands/1" })),
  onTheBus("a run with a response_url on this machine", () => ({ command: { verb: "run", set: "Checkout flows" }, responseUrl: `${catcherUrl}/response` })),
  onTheBus("an unsubscribe by someone not allowed", () => ({ userId: "U0EVE" }), who),
  onTheBus("an unsubscribe from another team", () => ({ teamId: "T0OTHER" }), workspace),
  onTheBus("an unsubscribe from another company's member (Slack Connect)", () => ({ userTeamId: "T0OTHER" }), workspace),
  onTheBus("a cancel from a channel not allowed", () => ({ command: { verb: "cancel", runId: RUN_ID }, channelId: "C0RANDOM" }), where),
  onTheBus("a download by someone not allowed", () => ({ command: { verb: "download", runId: RUN_ID, setId: SET_ID, key: `runs/${SET_ID}/${RUN_ID}/artifacts.jsonl` }, userId: "U0EVE" }), who),
];

describe("forged and foreign requests", () => {
  it("are at least 60", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60);
  });

  it.each(corpus.map((entry) => [entry.name, entry] as const))("%s: refused, nothing changed", async (_name, entry) => {
    const before = await stateSnapshot();
    stub.reset();
    caught.length = 0;
    fromApp.published.length = 0;
    sim.control.resetRequests();
    const sent = await entry.send();
    await bus.idle();
    if (entry.status !== 0) expect(sent.status).toBe(entry.status);
    expect(fromApp.published).toEqual([]);
    expect(amigoCalls()).toBe(0);
    expect(stub.calls.map((call) => call.method)).toEqual([]);
    expect(caught).toEqual([]);
    expect(await stateSnapshot()).toEqual(before);
    const answers = [...(sent.ephemeral ? [sent.ephemeral] : []), ...stub.responses.map((response) => response.body)];
    if (entry.answered) {
      expect(answers).toHaveLength(1);
      expect(answers[0]?.response_type).toBe("ephemeral");
      expect(answers[0]?.text).toMatch(entry.answered);
      expect(answers[0]?.text?.trim().split("\n")).toHaveLength(1);
    } else {
      expect(answers).toEqual([]);
    }
  });
});
