/**
 * Slack's Events API at POST /slack/events, over real HTTP to the Hono app: the URL handshake,
 * the Home tab's app_home_opened handed to the bus as `Home Opened` (Slack's retries too: the
 * worker claims each event id once, see home-publish.test.ts), and events simwatch does not use
 * answered 200 and ignored.
 */
import { type ServerType, serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { InProcessBus } from "../../functions/bus/in-process-bus.js";
import { accessPolicy } from "../../functions/core/commands/access.js";
import { parseConfig } from "../../functions/core/config.js";
import type { EventBus } from "../../functions/core/ports.js";
import { silentLogger } from "../../functions/core/log.js";
import { createSlackApp } from "../../functions/slack/app.js";
import { RecordingBus } from "../support/recording-bus.js";
import { ACTION_IDS } from "../../functions/core/chat.js";
import { buttonBody, eventBody, eventHeaders, slackHeaders } from "../support/slack-stub.js";

const secret = "events-signing-secret";
let server: ServerType;
let baseUrl: string;
let recording: RecordingBus;
let busDown = false;

const nowSeconds = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  const bus = new InProcessBus({ log: silentLogger, attempts: 1 });
  const flaky: EventBus = {
    publish: async (events) => {
      if (busDown) throw new Error("EventBridge did not answer");
      await bus.publish(events);
    },
  };
  recording = new RecordingBus(flaky);
  const access = accessPolicy(parseConfig({ SLACK_TEAM_ID: "T0TEAM" }));
  const app = createSlackApp({ signingSecret: secret, bus: recording, access, maxBodyBytes: 32 * 1024 });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  recording.published.length = 0;
  busDown = false;
});

async function send(body: string, retry?: number) {
  const response = await fetch(`${baseUrl}/slack/events`, { method: "POST", body, headers: eventHeaders(secret, body, nowSeconds(), retry) });
  return { status: response.status, text: await response.text(), type: response.headers.get("content-type") ?? "" };
}

describe("POST /slack/events", () => {
  it("answers url_verification with its challenge, publishing nothing", async () => {
    const answer = await send(JSON.stringify({ token: "t", challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", type: "url_verification" }));
    expect(answer.status).toBe(200);
    expect(answer.type).toContain("application/json");
    expect(JSON.parse(answer.text)).toEqual({ challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" });
    expect(recording.published).toEqual([]);
  });

  it("hands a Home opened to the bus as Home Opened and answers 200 at once", async () => {
    const body = eventBody({ userId: "U0ALICE", eventId: "Ev0HOME1", eventTime: 1_765_000_000 });
    const answer = await send(body);
    expect(answer.status).toBe(200);
    expect(answer.text).toBe("");
    expect(recording.published).toEqual([
      { detailType: "Home Opened", detail: { userId: "U0ALICE", teamId: "T0TEAM", eventId: "Ev0HOME1", openedAt: new Date(1_765_000_000_000).toISOString() } },
    ]);
  });

  it("hands Slack's retries of one event on with the same event id (the worker publishes once)", async () => {
    const body = eventBody({ eventId: "Ev0RETRY" });
    expect((await send(body)).status).toBe(200);
    expect((await send(body, 1)).status).toBe(200);
    expect(recording.published.map((e) => e.detail)).toEqual([expect.objectContaining({ eventId: "Ev0RETRY" }), expect.objectContaining({ eventId: "Ev0RETRY" })]);
  });

  it.each([
    ["a message event", { type: "message", user: "U0ALICE", text: "hi", channel: "C0GENERAL" }],
    ["the Messages tab", { type: "app_home_opened", user: "U0ALICE", tab: "messages" }],
    ["app_uninstalled", { type: "app_uninstalled" }],
  ])("answers %s 200 and ignores it", async (_name, inner) => {
    const answer = await send(eventBody({ event: inner }));
    expect(answer.status).toBe(200);
    expect(recording.published).toEqual([]);
  });

  it("answers 500 when the bus does not take the event, so Slack retries it", async () => {
    busDown = true;
    const answer = await send(eventBody());
    expect(answer.status).toBe(500);
  });
});

describe("a click on the Home tab", () => {
  it("becomes the command, acting in the person's direct messages with simwatch", async () => {
    const body = buttonBody({ actionId: ACTION_IDS.rerun, value: JSON.stringify({ setId: "695b7d904226fdec9400001f" }), userId: "U0ALICE", fromHome: true });
    const response = await fetch(`${baseUrl}/slack/interactions`, { method: "POST", body, headers: slackHeaders(secret, body, nowSeconds()) });
    expect(response.status).toBe(200);
    expect(recording.published).toEqual([
      {
        detailType: "Command Accepted",
        detail: expect.objectContaining({ command: { verb: "run", set: "695b7d904226fdec9400001f" }, userId: "U0ALICE", channelId: "U0ALICE", teamId: "T0TEAM" }),
      },
    ]);
  });

  it("that opens a report is answered 200 and ignored", async () => {
    const body = buttonBody({ actionId: "simwatch_open_report", value: "", fromHome: true });
    const response = await fetch(`${baseUrl}/slack/interactions`, { method: "POST", body, headers: slackHeaders(secret, body, nowSeconds()) });
    expect(response.status).toBe(200);
    expect(recording.published).toEqual([]);
  });
});
