/**
 * Routing and owners by Amigo tag, end to end over loopback: sets and unit tests tagged in the
 * simulator, the poller reading them with its batched set and unit-test look-ups, the notifier
 * posting through the Slack stand-in and reading its directory (conversations.list, users.list,
 * usergroups.list) with the real adapter.
 */
import { afterEach, describe, expect, it } from "vitest";
import { jsonLogger } from "../../functions/core/log.js";
import { createNotifier } from "../../functions/core/notifier/notify.js";
import { SlackChat } from "../../functions/slack/client.js";
import { SlackWebDirectory } from "../../functions/slack/directory.js";
import { saveSubscription } from "../../functions/core/notifier/subscriptions.js";
import { type Pipeline, startPipeline } from "../support/pipeline.js";
import { useSlackStub } from "../support/slack-stub.js";
import { testWorker } from "../support/test-worker.js";

const DEFAULT = "C0DEFAULT";
const PAYMENTS = "C0PAYMENTS";
const stub = useSlackStub();
let pipeline: Pipeline;
let logged: { event: string; [field: string]: unknown }[];
let notifier: ReturnType<typeof createNotifier>;

afterEach(async () => {
  await pipeline?.close();
});

const criteria = [{ name: "Resolved", metric: "Task completion", criterion: { type: "boolean" as const, expected_value: true } }];

/** The pipeline with the notifier on its bus; the stand-in's workspace has #payments-alerts (public, bot not in it) and a few people and groups. */
async function start(label: string, options: { allowedChannels?: string[] } = {}): Promise<Pipeline> {
  pipeline = await startPipeline({ storage: "fs", label });
  logged = [];
  stub.setDirectory({
    channels: [
      { id: PAYMENTS, name: "payments-alerts", is_private: false, is_member: false },
      { id: "C0SECRET1", name: "secret-room", is_private: true, is_member: true },
      { id: "C0GENERAL", name: "general", is_member: true },
    ],
    users: [
      { id: "U0SAMSAM1", name: "sam" },
      { id: "U0DANA001", name: "dana.k", profile: { display_name: "dana" } },
      { id: "U0GONE001", name: "gone", deleted: true },
      { id: "U0ROBIN01", name: "robin" },
      { id: "U0ALEX001", name: "alex" },
    ],
    usergroups: [
      { id: "S0QATEAM1", handle: "qa-team" },
      { id: "S0PAYONC1", handle: "payments-oncall" },
      { id: "S0OTHER01", handle: "other" },
    ],
    pageSize: 2,
  });
  const chatOptions = { token: stub.token, apiUrl: stub.apiUrl, timeoutMs: 2000 };
  notifier = createNotifier({
    chat: new SlackChat(chatOptions),
    directory: new SlackWebDirectory(chatOptions),
    state: pipeline.state,
    clock: pipeline.sim.control.clock,
    defaultChannel: DEFAULT,
    log: jsonLogger((line) => logged.push(JSON.parse(line) as { event: string }), "info"),
    ...(options.allowedChannels ? { allowedChannels: options.allowedChannels } : {}),
  });
  for (const detailType of ["Run Started", "Run Finished", "Run Archived"] as const) {
    pipeline.bus.subscribe(detailType, async (event) => void (await notifier.handle(event)), { name: "notifier" });
  }
  await pipeline.poll();
  return pipeline;
}

function addSet(name: string, tags: { key: string; value: string }[], unitTestTags: { key: string; value: string }[] = []) {
  return pipeline.sim.control.addSet({
    name,
    tags,
    unitTests: [
      { name: `${name}: refunds twice`, criteria, tags: unitTestTags },
      { name: `${name}: greets`, criteria },
    ],
  });
}

/** A run of the set from start to finish (failing the first unit test when `fail`); its id. */
async function finishRun(set: string, fail: boolean): Promise<string> {
  const { sim } = pipeline;
  const runId = sim.control.createRun({ set, outcome: { durationMs: 10_000, artifactsDelayMs: 1_000, ...(fail ? { failing: [{ unitTest: `${set}: refunds twice` }] } : {}) } });
  await pipeline.poll();
  sim.control.advance(11_000);
  await pipeline.poll();
  await pipeline.bus.idle();
  return runId;
}

const text = (message: { text: string; blocks: unknown[] }) => `${message.text}\n${JSON.stringify(message.blocks)}`;
const allText = (channel: string) => stub.channel(channel).map(text).join("\n");

describe("a set tagged slack-channel", () => {
  it("posts in the tagged channel as a subscription would: no subscription, not the default channel, the bot joining the public channel once", async () => {
    await start("tag-route");
    addSet("Ledger sync", [{ key: "slack-channel", value: "#payments-alerts" }]);
    await finishRun("Ledger sync", false);
    expect(stub.topLevel(PAYMENTS)).toHaveLength(1);
    expect(text(stub.topLevel(PAYMENTS)[0]!)).toContain("Ledger sync");
    expect(stub.topLevel(DEFAULT)).toHaveLength(0);
    expect(stub.count("conversations.join")).toBe(1);
    await finishRun("Ledger sync", true);
    expect(stub.topLevel(PAYMENTS)).toHaveLength(2);
    expect(stub.count("conversations.join")).toBe(1);
    // Tags came with the poller's set look-ups: no set was read one run at a time.
    expect(pipeline.sim.control.requests("listSets").length).toBeLessThanOrEqual(4);
  });

  it("posts in the tagged channel and in every subscribed one, by id or #name", async () => {
    await start("tag-and-sub");
    const set = addSet("Card vault", [{ key: "slack-channel", value: `#Payments-Alerts, ${"C0GENERAL"}` }]);
    await saveSubscription(pipeline.state, { setId: set.id, setName: set.name, channelId: "C0SUBSCRIBED", failuresOnly: false, createdBy: "U0ALICE", createdAt: new Date().toISOString() });
    await finishRun("Card vault", false);
    expect(stub.topLevel(PAYMENTS)).toHaveLength(1);
    expect(stub.topLevel("C0GENERAL")).toHaveLength(1);
    expect(stub.topLevel("C0SUBSCRIBED")).toHaveLength(1);
    expect(stub.topLevel(DEFAULT)).toHaveLength(0);
  });

  it("refuses a channel outside SLACK_ALLOWED_CHANNELS with one warning naming the set and the tag", async () => {
    await start("tag-refused", { allowedChannels: [DEFAULT, "C0GENERAL"] });
    addSet("Payout limits", [{ key: "slack-channel", value: "#payments-alerts" }]);
    await finishRun("Payout limits", true);
    await finishRun("Payout limits", false);
    expect(stub.channel(PAYMENTS)).toHaveLength(0);
    expect(stub.topLevel(DEFAULT)).toHaveLength(2);
    const warnings = logged.filter((line) => line.event === "notify.tag_channel.refused");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ setName: "Payout limits", tag: "slack-channel=#payments-alerts", reason: "outside SLACK_ALLOWED_CHANNELS", channelId: PAYMENTS });
  });

  it("warns once when it may not join the public channel, and still posts there (chat:write.public)", async () => {
    await start("tag-no-join");
    stub.setDirectory({ scopes: ["channels:read", "users:read", "usergroups:read"] });
    addSet("Dunning", [{ key: "slack-channel", value: PAYMENTS }]);
    await finishRun("Dunning", false);
    await finishRun("Dunning", true);
    expect(stub.topLevel(PAYMENTS)).toHaveLength(2);
    const warnings = logged.filter((line) => line.event === "notify.tag_channel.not_joined");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ setName: "Dunning", channelId: PAYMENTS, error: "missing_scope" });
  });
});

describe("owner tags", () => {
  const everyForm = "<@U0AAAAAA1|ann>, <!subteam^S0BBBBBB2|@devs> U0CCCCCC3 W0DDDDDD4 S0EEEEEE5 @dana @qa-team";

  it("mentions the set's owners in every accepted form on the failure line once, and the unit test's next to it in Why it failed", async () => {
    await start("owners");
    addSet("Chargebacks", [{ key: "owner", value: everyForm }, { key: "slack-channel", value: "C0GENERAL" }], [{ key: "owner", value: "@sam <@U0AAAAAA1>" }]);
    await finishRun("Chargebacks", true);
    const [card] = stub.topLevel("C0GENERAL");
    const cardText = text(card!);
    for (const markup of ["<@U0AAAAAA1>", "<!subteam^S0BBBBBB2>", "<@U0CCCCCC3>", "<@W0DDDDDD4>", "<!subteam^S0EEEEEE5>", "<@U0DANA001>", "<!subteam^S0QATEAM1>"]) {
      expect(cardText).toContain(markup);
    }
    const replies = stub.thread("C0GENERAL", card!.ts);
    const why = replies.filter((reply) => text(reply).includes("Why it failed"));
    expect(why).toHaveLength(1);
    // A unit-test owner who is also a set owner is named there, not mentioned a second time.
    expect(text(why[0]!)).toMatch(/Chargebacks: refunds twice\*[^\n]*owners: <@U0SAMSAM1> @U0AAAAAA1/);
    // Slack notifies of posts, not edits: the card went out while running, so one reply pings the set's owners.
    const owners = replies.filter((reply) => reply.metadata?.event_payload?.what === "owners");
    expect(owners).toHaveLength(1);
    expect(text(owners[0]!)).toContain("<@U0AAAAAA1>");
    // A redelivered Run Finished (and any later edit) pings nobody again.
    for (const event of pipeline.ofType("Run Finished")) await notifier.handle(event);
    const mentioning = (pattern: RegExp) => stub.channel("C0GENERAL").filter((message) => message.ts !== card!.ts && pattern.test(text(message)));
    expect(mentioning(/<@U0AAAAAA1>/)).toHaveLength(1);
    expect(mentioning(/<@U0SAMSAM1>/)).toHaveLength(1);
    expect(stub.topLevel("C0GENERAL")).toHaveLength(1);
  });

  it("never mentions anyone when the run passes", async () => {
    await start("owners-pass");
    addSet("Statements", [{ key: "owner", value: "@dana <@U0AAAAAA1>" }, { key: "slack-channel", value: "C0GENERAL" }], [{ key: "owner", value: "@sam" }]);
    await finishRun("Statements", false);
    const everything = allText("C0GENERAL");
    expect(stub.topLevel("C0GENERAL")).toHaveLength(1);
    expect(everything).not.toMatch(/<@U|<!subteam/);
    expect(stub.channel("C0GENERAL")).toHaveLength(1);
  });

  it("shows broadcasts and malformed owners as escaped text, never as mentions", async () => {
    await start("owners-text");
    addSet("Disputes", [{ key: "owner", value: "<!channel> <!here|here> <!everyone> @here @channel not-an-owner @nobody-here" }, { key: "slack-channel", value: "C0GENERAL" }]);
    await finishRun("Disputes", true);
    const everything = allText("C0GENERAL");
    expect(everything).not.toMatch(/<!channel>|<!here|<!everyone>/);
    expect(everything).toContain("&lt;!channel&gt;");
    expect(everything).toContain("@\u2060here");
    expect(everything).toContain("not-an-owner");
    expect(everything).toContain("@nobody-here");
    // Text alone pings nobody: no owners reply in the thread.
    const [card] = stub.topLevel("C0GENERAL");
    expect(stub.thread("C0GENERAL", card!.ts).filter((reply) => reply.metadata?.event_payload?.what === "owners")).toHaveLength(0);
  });

  it("reads users.list and usergroups.list to their last page once, then from state", async () => {
    await start("owners-cached");
    addSet("Fees", [{ key: "owner", value: "@alex @payments-oncall" }, { key: "slack-channel", value: "C0GENERAL" }]);
    await finishRun("Fees", true);
    // 5 people 2 a page: 3 pages; 3 groups 2 a page: 2 pages.
    expect(stub.count("users.list")).toBe(3);
    expect(stub.count("usergroups.list")).toBe(2);
    expect(allText("C0GENERAL")).toContain("<@U0ALEX001>");
    expect(allText("C0GENERAL")).toContain("<!subteam^S0PAYONC1>");
    await finishRun("Fees", true);
    expect(stub.count("users.list")).toBe(3);
    expect(stub.count("usergroups.list")).toBe(2);
  });
});

describe("/sim status <set>", () => {
  it("shows where the set's tags route its runs and whom they mention, by name and without a mention", async () => {
    await start("status-tags");
    addSet("Refund rules", [
      { key: "slack-channel", value: "#payments-alerts #nowhere" },
      { key: "owner", value: "@dana <!channel>" },
    ]);
    pipeline.sim.control.createRun({ set: "Refund rules", outcome: { durationMs: 10_000 } });
    const worker = testWorker({ sim: pipeline.sim, slack: stub, state: pipeline.state }, { directory: new SlackWebDirectory({ token: stub.token, apiUrl: stub.apiUrl }), allowedChannels: [] });
    await worker.handle({ command: { verb: "status", target: "refund RULES" }, text: "status refund RULES", userId: "U0ALICE", channelId: "C0TEAM", responseUrl: stub.responseUrl("status"), requestId: "status-tags-1" });
    const answer = JSON.stringify(stub.responses.find((response) => response.id === "status")?.body);
    expect(answer).toContain("Also posts in (tag `slack-channel`): <#C0PAYMENTS>, `slack-channel=#nowhere` refused: no such channel");
    expect(answer).toContain("Mentions when a run fails (tag `owner`): *@dana*, &lt;!channel&gt; (not a Slack user or group");
    expect(answer).not.toMatch(/<@U0DANA001>|<!channel>/);
  });
});
