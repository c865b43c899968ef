import { handle, type LambdaEvent } from "hono/aws-lambda";
import { beforeEach, describe, expect, it } from "vitest";
import { type AccessPolicy, accessPolicy } from "../../../functions/core/commands/access.js";
import { ACTION_IDS, type ChatMessage, type RespondOptions } from "../../../functions/core/chat.js";
import type { SimwatchEvent } from "../../../functions/core/events.js";
import type { EventBus } from "../../../functions/core/ports.js";
import { createSlackApp, type SlackAppOptions } from "../../../functions/slack/app.js";
import { renderMessage } from "../../../functions/slack/blocks.js";
import { buttonBody, slackHeaders, slashBody } from "../../support/slack-stub.js";

const secret = "test-signing-secret";
const now = new Date("2026-04-01T12:00:00Z");
const nowSeconds = Math.floor(now.getTime() / 1000);
const RUN_ID = "65f000000000000000000001";
const SET_ID = "65e000000000000000000001";

class RecordingBus implements EventBus {
  events: SimwatchEvent[] = [];
  fail = false;
  async publish(events: readonly SimwatchEvent[]): Promise<void> {
    if (this.fail) throw new Error("bus down");
    this.events.push(...events);
  }
}

let bus: RecordingBus;
let responses: { url: string; message: ChatMessage; options: RespondOptions }[];

/** The access policy of the configuration these lists would come from. */
function policy(lists: { users?: string[]; channels?: string[]; teams?: string[] } = {}): AccessPolicy {
  return accessPolicy({ SLACK_ALLOWED_USERS: lists.users ?? [], SLACK_ALLOWED_CHANNELS: lists.channels ?? [], SLACK_TEAM_ID: lists.teams ?? [], SLACK_API_URL: "https://slack.com/api/" });
}

function makeApp(overrides: Partial<SlackAppOptions> = {}) {
  return createSlackApp({
    signingSecret: secret,
    bus,
    access: policy(),
    clock: { now: () => now },
    respond: async (url, message, options) => {
      responses.push({ url, message, options });
    },
    maxBodyBytes: 16 * 1024,
    ...overrides,
  });
}

function post(app: ReturnType<typeof makeApp>, path: string, body: string, headers: Record<string, string> = slackHeaders(secret, body, nowSeconds)) {
  return app.request(path, { method: "POST", body, headers });
}

const command = (text: string, fields: Parameters<typeof slashBody>[0] = {}) => slashBody({ text, ...fields });

async function ephemeralText(response: Response): Promise<string> {
  const json = (await response.json()) as { response_type: string; text: string };
  expect(json.response_type).toBe("ephemeral");
  return json.text;
}

beforeEach(() => {
  bus = new RecordingBus();
  responses = [];
});

describe("slack app: requests that must cause nothing", () => {
  const body = command("run checkout");
  const signed = (b: string, ts = nowSeconds, contentType?: string) => slackHeaders(secret, b, ts, contentType);
  const garbled = command("run x", { channel_id: "C1<script>" });
  const badCancel = buttonBody({ actionId: ACTION_IDS.cancel, value: JSON.stringify({ runId: "nope" }) });
  const twoChannels = buttonBody({ actionId: ACTION_IDS.cancel, value: JSON.stringify({ runId: RUN_ID }), channelId: "C0GENERAL", containerChannelId: "C0OTHER" });
  const cases: [string, string, string, Record<string, string>, number][] = [
    ["a wrong signing secret", "/slack/commands", body, slackHeaders("not-the-secret", body, nowSeconds), 401],
    ["a tampered body", "/slack/commands", body.replace("checkout", "billing"), signed(body), 401],
    ["a stale timestamp (6 minutes old)", "/slack/commands", body, signed(body, nowSeconds - 360), 401],
    ["a future timestamp (6 minutes ahead)", "/slack/commands", body, signed(body, nowSeconds + 360), 401],
    ["no signature header", "/slack/commands", body, { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": String(nowSeconds) }, 401],
    ["no timestamp header", "/slack/commands", body, { "content-type": "application/x-www-form-urlencoded", "x-slack-signature": signed(body)["x-slack-signature"] ?? "" }, 401],
    ["no headers at all", "/slack/commands", body, {}, 401],
    ["a non-numeric timestamp", "/slack/commands", body, { ...signed(body), "x-slack-request-timestamp": "soon" }, 401],
    ["a v1 signature", "/slack/commands", body, { ...signed(body), "x-slack-signature": (signed(body)["x-slack-signature"] ?? "").replace("v0=", "v1=") }, 401],
    ["a garbled signature", "/slack/commands", body, { ...signed(body), "x-slack-signature": "v0=not-hex" }, 401],
    ["an empty, unsigned body", "/slack/commands", "", {}, 401],
    ["an interaction with a wrong secret", "/slack/interactions", buttonBody({ actionId: ACTION_IDS.cancel, value: JSON.stringify({ runId: RUN_ID }) }), slackHeaders("nope", "x", nowSeconds), 401],
    ["an interaction signed for a different body", "/slack/interactions", buttonBody({ actionId: ACTION_IDS.cancel, value: JSON.stringify({ runId: RUN_ID }) }), signed("payload=%7B%7D"), 401],
    ["JSON instead of a form", "/slack/commands", JSON.stringify({ text: "run checkout" }), signed(JSON.stringify({ text: "run checkout" }), nowSeconds, "application/json"), 415],
    ["a text/plain body", "/slack/commands", body, signed(body, nowSeconds, "text/plain"), 415],
    ["multipart form data", "/slack/interactions", body, signed(body, nowSeconds, "multipart/form-data; boundary=x"), 415],
    ["an empty but signed body", "/slack/commands", "", signed(""), 400],
    ["a command without user_id", "/slack/commands", "command=%2Fsim&text=run+x&channel_id=C1", signed("command=%2Fsim&text=run+x&channel_id=C1"), 400],
    ["a command with a garbled channel id", "/slack/commands", garbled, signed(garbled), 400],
    ["an interaction without payload", "/slack/interactions", "foo=bar", signed("foo=bar"), 400],
    ["an interaction whose payload is not JSON", "/slack/interactions", "payload=%7Bnot+json", signed("payload=%7Bnot+json"), 400],
    ["a cancel button with a bad run id", "/slack/interactions", badCancel, signed(badCancel), 400],
    ["a button whose channel and container disagree", "/slack/interactions", twoChannels, signed(twoChannels), 400],
    ["an upper-case digest", "/slack/commands", body, { ...signed(body), "x-slack-signature": `v0=${(signed(body)["x-slack-signature"] ?? "").slice(3).toUpperCase()}` }, 401],
    ["two signatures in one header", "/slack/commands", body, { ...signed(body), "x-slack-signature": `${signed(body)["x-slack-signature"]}, ${signed(body)["x-slack-signature"]}` }, 401],
  ];

  it.each(cases)("%s", async (_name, path, requestBody, headers, status) => {
    const app = makeApp();
    const response = await post(app, path, requestBody, headers);
    expect(response.status).toBe(status);
    expect(bus.events).toEqual([]);
    expect(responses).toEqual([]);
  });

  it("an oversize body gets 413 before anything else (even with a valid signature)", async () => {
    const big = command(`run ${"x".repeat(20_000)}`);
    const response = await post(makeApp(), "/slack/commands", big);
    expect(response.status).toBe(413);
    expect(bus.events).toEqual([]);
  });

  it("an oversize body without Content-Length (streamed) gets 413", async () => {
    const big = command(`run ${"x".repeat(20_000)}`);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const response = await makeApp().request("/slack/commands", { method: "POST", body: stream, headers: slackHeaders(secret, big, nowSeconds), duplex: "half" } as RequestInit);
    expect(response.status).toBe(413);
    expect(bus.events).toEqual([]);
  });

  it("ssl_check is answered with 200 and nothing else", async () => {
    const body = "ssl_check=1&token=abc";
    const response = await post(makeApp(), "/slack/commands", body);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
    expect(bus.events).toEqual([]);
  });

  it("an unsigned ssl_check is still 401", async () => {
    const response = await post(makeApp(), "/slack/commands", "ssl_check=1", {});
    expect(response.status).toBe(401);
  });
});

describe("slack app: usage errors answered at once, ephemeral, with usage", () => {
  const usageCases: [string, string, RegExp][] = [
    ["an unknown subcommand", "launch checkout", /Unknown command "launch"/],
    ["a typo of a verb", "cancle 65f000000000000000000001", /Did you mean `cancel`/],
    ["run without a set", "run", /run needs a set[\s\S]*Usage: \/sim run &lt;set&gt;/],
    ["options before the set's name", "subscribe --failures-only Checkout flows", /put the name first/],
    ["a name containing -- unquoted", "run Weekly -- full", /contains “--” must be quoted/],
    ["cancel with a bad id", "cancel 123", /not a run id/],
    ["cancel without an id", "cancel", /cancel needs a run id/],
    ["a user mention where a set belongs", "run <@U0BOB|bob>", /looks like a Slack mention/],
    ["an escaped @channel where a set belongs", "run &lt;!channel&gt;", /looks like a Slack mention/],
    ["a link where a set belongs", "status <https://evil.example|x>", /looks like a Slack mention or link/],
    ["unbalanced quotes", 'run "Checkout flows', /unbalanced quotes/],
    ["an unknown flag", "list --everything", /Unknown option --everything/],
    ["subscribe with a bad mention", "subscribe checkout --mention bob", /--mention takes/],
    ["help with arguments", "help me", /help takes no arguments/],
  ];

  it.each(usageCases)("%s", async (_name, text, expected) => {
    const response = await post(makeApp(), "/slack/commands", command(text));
    expect(response.status).toBe(200);
    expect(await ephemeralText(response)).toMatch(expected);
    expect(bus.events).toEqual([]);
  });

  it("escapes the user's own words when echoing them back", async () => {
    const response = await post(makeApp(), "/slack/commands", command("<!here>please"));
    const text = await ephemeralText(response);
    expect(text).not.toContain("<!here>");
    expect(bus.events).toEqual([]);
  });

  it("answers help itself, listing every verb, without an event", async () => {
    const response = await post(makeApp(), "/slack/commands", command("help"));
    const text = await ephemeralText(response);
    for (const verb of ["run", "cancel", "status", "list", "subscribe", "unsubscribe", "subscriptions"]) expect(text).toContain(`/sim ${verb}`);
    expect(bus.events).toEqual([]);
  });
});

describe("slack app: authorization for everything that changes something", () => {
  const restricted = { access: policy({ users: ["U0ALICE", "U0BOB"], channels: ["C0OPS"] }) };
  const who = /Only <@U0ALICE> and <@U0BOB> may use run, cancel, subscribe, unsubscribe, schedule, unschedule and the buttons/;
  const where = /work only in <#C0OPS>/;

  it.each([
    ["a user not on SLACK_ALLOWED_USERS runs", command("run checkout", { user_id: "U0MALLORY", channel_id: "C0OPS" }), who],
    ["a user not on SLACK_ALLOWED_USERS cancels", command(`cancel ${RUN_ID}`, { user_id: "U0MALLORY", channel_id: "C0OPS" }), who],
    ["a user not on SLACK_ALLOWED_USERS subscribes the channel with @channel", command("subscribe checkout --mention @channel", { user_id: "U0MALLORY", channel_id: "C0OPS" }), who],
    ["a user not on SLACK_ALLOWED_USERS unsubscribes", command("unsubscribe checkout", { user_id: "U0MALLORY", channel_id: "C0OPS" }), who],
    ["a user not on SLACK_ALLOWED_USERS schedules a set", command("schedule checkout daily 09:00", { user_id: "U0MALLORY", channel_id: "C0OPS" }), who],
    ["a user not on SLACK_ALLOWED_USERS unschedules a set", command("unschedule checkout", { user_id: "U0MALLORY", channel_id: "C0OPS" }), who],
    ["an allowed user schedules from a channel not on SLACK_ALLOWED_CHANNELS", command("schedule checkout hourly", { channel_id: "C0RANDOM" }), where],
    ["an allowed user runs from a channel not on SLACK_ALLOWED_CHANNELS", command("run checkout", { channel_id: "C0RANDOM" }), where],
    ["an allowed user subscribes a channel not on SLACK_ALLOWED_CHANNELS", command("subscribe checkout", { channel_id: "C0RANDOM" }), where],
  ])("refuses when %s, in one ephemeral line saying who may", async (_name, body, expected) => {
    const response = await post(makeApp(restricted), "/slack/commands", body);
    const json = (await response.json()) as { response_type: string; text: string; blocks: unknown[] };
    expect(json.response_type).toBe("ephemeral");
    expect(json.text).toMatch(expected);
    expect(json.text.split("\n").filter((line) => line.trim() !== "")).toHaveLength(1);
    expect(bus.events).toEqual([]);
  });

  it("lets anyone read status, list and subscriptions even when changes are restricted", async () => {
    for (const text of ["status", "list", "subscriptions"]) {
      const response = await post(makeApp(restricted), "/slack/commands", command(text, { user_id: "U0MALLORY", channel_id: "C0RANDOM" }));
      expect(await ephemeralText(response)).toMatch(/Working on/);
    }
    expect(bus.events).toHaveLength(3);
  });

  it.each([
    ["a cancel button from a user not allowed", buttonBody({ actionId: ACTION_IDS.cancel, value: JSON.stringify({ runId: RUN_ID }), userId: "U0MALLORY", channelId: "C0OPS" }), who],
    ["a re-run button in a channel not allowed", buttonBody({ actionId: ACTION_IDS.rerun, value: JSON.stringify({ setId: SET_ID }), channelId: "C0RANDOM" }), where],
    [
      "a download button from a user not allowed",
      buttonBody({ actionId: ACTION_IDS.download, value: JSON.stringify({ runId: RUN_ID, setId: SET_ID, key: `runs/${SET_ID}/${RUN_ID}/artifacts.zip` }), userId: "U0MALLORY", channelId: "C0OPS" }),
      who,
    ],
  ])("refuses %s through response_url, with no event", async (_name, body, expected) => {
    const response = await post(makeApp(restricted), "/slack/interactions", body);
    expect(response.status).toBe(200);
    expect(bus.events).toEqual([]);
    expect(responses).toHaveLength(1);
    expect(renderMessage(responses[0]!.message).text).toMatch(expected);
    expect(responses[0]!.options).toEqual({ visibility: "ephemeral", replaceOriginal: false });
  });
});

describe("slack app: workspaces (SLACK_TEAM_ID)", () => {
  const ours = { access: policy({ teams: ["T0TEAM", "E0ORG"] }) };
  const cancel = (ids: Partial<Parameters<typeof buttonBody>[0]>) => buttonBody({ actionId: ACTION_IDS.cancel, value: JSON.stringify({ runId: RUN_ID }), ...ids });

  it.each([
    ["a slash command from another team", command("list", { team_id: "T0OTHER" })],
    ["a slash command from another enterprise", command("help", { team_id: "T0OTHER", enterprise_id: "E0OTHER" })],
    ["a slash command naming no team", command("list", { team_id: "" })],
  ])("refuses %s, read-only verbs too, with no event", async (_name, body) => {
    const response = await post(makeApp(ours), "/slack/commands", body);
    expect(await ephemeralText(response)).toMatch(/only members of the Slack workspaces listed in its `?SLACK_TEAM_ID/);
    expect(bus.events).toEqual([]);
  });

  it.each([
    ["a click from another team", cancel({ teamId: "T0OTHER" })],
    ["a Slack Connect click by another company's member in our channel", cancel({ userId: "U0GUEST", userTeamId: "T0OTHER" })],
    ["a click from another enterprise", cancel({ teamId: "T0OTHER", userTeamId: "E0OTHER", enterpriseId: "E0OTHER" })],
  ])("refuses %s", async (_name, body) => {
    await post(makeApp(ours), "/slack/interactions", body);
    expect(bus.events).toEqual([]);
    expect(renderMessage(responses[0]!.message).text).toMatch(/SLACK_TEAM_ID/);
  });

  it("accepts a listed team, and any workspace of a listed enterprise", async () => {
    await post(makeApp(ours), "/slack/commands", command("list"));
    await post(makeApp(ours), "/slack/commands", command("list", { team_id: "T0SISTER", enterprise_id: "E0ORG" }));
    await post(makeApp(ours), "/slack/interactions", cancel({ teamId: "T0SISTER", userTeamId: "E0ORG", enterpriseId: "E0ORG" }));
    expect(bus.events.map((e) => e.detail)).toMatchObject([
      { teamId: "T0TEAM" },
      { teamId: "T0SISTER", enterpriseId: "E0ORG" },
      { teamId: "T0SISTER", userTeamId: "E0ORG", enterpriseId: "E0ORG" },
    ]);
  });
});

describe("slack app: response_url", () => {
  it.each([
    ["a slash command", "/slack/commands", command("list", { response_url: "https://evil.example/commands/T/1/x" })],
    ["a slash command whose response_url is plain http", "/slack/commands", command("list", { response_url: "http://hooks.slack.com/commands/T/1/x" })],
    ["a button", "/slack/interactions", buttonBody({ actionId: ACTION_IDS.cancel, value: JSON.stringify({ runId: RUN_ID }), responseUrl: "https://hooks.slack.com.evil.example/actions/1" })],
  ])("refuses %s whose response_url is not on Slack's host (400), answering nowhere", async (_name, path, body) => {
    expect((await post(makeApp(), path, body)).status).toBe(400);
    expect(bus.events).toEqual([]);
    expect(responses).toEqual([]);
  });
});

describe("slack app: accepted commands", () => {
  it("acks a run with an ephemeral 'working on it' and publishes Command Accepted", async () => {
    const body = command('run "Checkout flows"', { trigger_id: "123.456.abc", response_url: "https://hooks.slack.com/commands/T/1/x" });
    const response = await post(makeApp(), "/slack/commands", body);
    expect(await ephemeralText(response)).toMatch(/Working on/);
    expect(bus.events).toEqual([
      {
        detailType: "Command Accepted",
        detail: {
          command: { verb: "run", set: "Checkout flows" },
          text: '/sim run "Checkout flows"',
          userId: "U0ALICE",
          userName: "alice",
          channelId: "C0GENERAL",
          teamId: "T0TEAM",
          responseUrl: "https://hooks.slack.com/commands/T/1/x",
          requestId: "123.456.abc",
          // Its response_url works for 30 minutes from here: the worker carries out nothing older.
          acceptedAt: "2026-04-01T12:00:00.000Z",
        },
      },
    ]);
  });

  it("says so, still ephemeral and 200, when the bus refuses the event", async () => {
    bus.fail = true;
    const response = await post(makeApp(), "/slack/commands", command("list"));
    expect(response.status).toBe(200);
    expect(await ephemeralText(response)).toMatch(/could not take that command/);
  });

  it("turns a re-run button into a run command keyed by the click's trigger_id", async () => {
    const body = buttonBody({ actionId: ACTION_IDS.rerun, value: JSON.stringify({ setId: SET_ID }), triggerId: "9.9.click", messageTs: "1700000000.000042" });
    const response = await post(makeApp(), "/slack/interactions", body);
    expect(response.status).toBe(200);
    expect(bus.events).toHaveLength(1);
    const detail = bus.events[0]!.detail;
    expect(detail).toMatchObject({ command: { verb: "run", set: SET_ID }, requestId: "9.9.click", messageTs: "1700000000.000042", channelId: "C0GENERAL" });
  });

  it("ignores payload types and actions that are not simwatch's", async () => {
    const other = new URLSearchParams({ payload: JSON.stringify({ type: "view_submission", user: { id: "U1" } }) }).toString();
    expect((await post(makeApp(), "/slack/interactions", other)).status).toBe(200);
    const foreign = buttonBody({ actionId: "someone_else", value: "x" });
    expect((await post(makeApp(), "/slack/interactions", foreign)).status).toBe(200);
    expect(bus.events).toEqual([]);
  });
});

describe("slack app: download button", () => {
  it("hands the click to the command worker and acks it at once, touching no archive itself", async () => {
    const key = `runs/${SET_ID}/${RUN_ID}/artifacts.zip`;
    const body = buttonBody({ actionId: ACTION_IDS.download, value: JSON.stringify({ runId: RUN_ID, setId: SET_ID, key }), triggerId: "7.7.dl" });
    const response = await post(makeApp(), "/slack/interactions", body);
    expect(response.status).toBe(200);
    expect(bus.events.map((e) => e.detail)).toMatchObject([{ command: { verb: "download", runId: RUN_ID, setId: SET_ID, key }, requestId: "7.7.dl", channelId: "C0GENERAL" }]);
    expect(responses).toEqual([]);
  });
});

describe("slack app under hono/aws-lambda", () => {
  it("verifies the exact raw body of a base64-encoded Function URL event", async () => {
    const body = command("list");
    const headers = slackHeaders(secret, body, nowSeconds);
    const lambda = handle(makeApp());
    const eventOf = (signature: string): LambdaEvent => ({
      version: "2.0",
      routeKey: "$default",
      rawPath: "/slack/commands",
      rawQueryString: "",
      headers: { ...headers, "x-slack-signature": signature, host: "abc.lambda-url.us-east-1.on.aws" },
      requestContext: {
        accountId: "123456789012",
        authentication: null,
        authorizer: {},
        apiId: "abc",
        domainName: "abc.lambda-url.us-east-1.on.aws",
        domainPrefix: "abc",
        http: { method: "POST", path: "/slack/commands", protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "Slackbot" },
        requestId: "r1",
        routeKey: "$default",
        stage: "$default",
        time: "01/Apr/2026:12:00:00 +0000",
        timeEpoch: now.getTime(),
      },
      body: Buffer.from(body, "utf8").toString("base64"),
      isBase64Encoded: true,
    });
    const ok = (await lambda(eventOf(headers["x-slack-signature"]!), {} as never)) as { statusCode: number; body: string };
    expect(ok.statusCode).toBe(200);
    expect(bus.events).toHaveLength(1);
    const bad = (await lambda(eventOf(`v0=${"0".repeat(64)}`), {} as never)) as { statusCode: number };
    expect(bad.statusCode).toBe(401);
    expect(bus.events).toHaveLength(1);
  });
});

describe("slack app: health", () => {
  it("answers GET /healthz", async () => {
    const response = await makeApp().request("/healthz");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });
});
