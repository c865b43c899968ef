/**
 * Posts that are never sent twice by the client, and the look-up that tells whether a post
 * whose outcome was unknown reached the channel: SlackChat against the Web API stand-in.
 */
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { ChatError, type ChatMessage, type PostTag, say } from "../../functions/core/chat.js";
import { SlackChat } from "../../functions/slack/client.js";
import { useSlackStub } from "../support/slack-stub.js";

const CHANNEL = "C0RUNS";
const RUN = "6b0b18a44226fdec9400003a";
const CARD: PostTag = { runId: RUN, what: "card" };
const message: ChatMessage = say("info", ["Run ", { code: RUN }, " is running"]);

const stub = useSlackStub();

const chat = (timeoutMs = 2000) => new SlackChat({ token: stub.token, apiUrl: stub.apiUrl, timeoutMs, sleep: async () => {} });
const aMinuteAgo = () => new Date(Date.now() - 60_000);

async function postFailure(post: Promise<unknown>): Promise<ChatError> {
  const error = await post.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ChatError)) throw new Error(`expected a ChatError, got ${String(error)}`);
  return error;
}

describe("a post whose outcome is unknown", () => {
  it("fails with mayHavePosted when the answer is dropped, and findPosted finds exactly that message", async () => {
    await chat().post(CHANNEL, message, { tag: { runId: "6b0b0f114226fdec94000031", what: "card" } });
    stub.failNext("chat.postMessage", { kind: "drop-answer" });
    const since = aMinuteAgo();
    const error = await postFailure(chat().post(CHANNEL, message, { tag: CARD }));
    expect(error).toMatchObject({ code: "network", mayHavePosted: true });
    expect(stub.count("chat.postMessage")).toBe(2);
    const landed = stub.topLevel(CHANNEL).at(-1);
    expect(await chat().findPosted(CHANNEL, CARD, { since })).toEqual({ channelId: CHANNEL, ts: landed?.ts });
  });

  it("fails with mayHavePosted as a timeout when the answer comes too late, and can be found", async () => {
    stub.failNext("chat.postMessage", { kind: "answer-late", ms: 1_500 });
    const error = await postFailure(chat(200).post(CHANNEL, message, { tag: CARD }));
    expect(error).toMatchObject({ code: "timeout", mayHavePosted: true });
    expect(stub.count("chat.postMessage")).toBe(1);
    expect(await chat().findPosted(CHANNEL, CARD, { since: aMinuteAgo() })).toEqual({ channelId: CHANNEL, ts: stub.topLevel(CHANNEL)[0]?.ts });
  });

  it("sends chat.postMessage once on an HTTP 500, and says it may have posted", async () => {
    stub.failNext("chat.postMessage", { kind: "http", status: 500 });
    const error = await postFailure(chat().post(CHANNEL, message, { tag: CARD }));
    expect(error).toMatchObject({ code: "http_error", mayHavePosted: true, retryable: true });
    expect(stub.count("chat.postMessage")).toBe(1);
  });

  it("still retries chat.update on an HTTP 500 (an edit repeated is the same edit)", async () => {
    const ref = await chat().post(CHANNEL, message);
    stub.failNext("chat.update", { kind: "http", status: 500 });
    await chat().update(ref, say("success", ["passed"]));
    expect(stub.count("chat.update")).toBe(2);
    expect(stub.topLevel(CHANNEL)[0]?.text).toContain("passed");
  });
});

describe("a post that certainly did not land", () => {
  it("a refusal with ok:false has mayHavePosted false", async () => {
    stub.blockChannel(CHANNEL, "not_in_channel");
    const error = await postFailure(chat().post(CHANNEL, message, { tag: CARD }));
    expect(error).toMatchObject({ code: "not_in_channel", mayHavePosted: false, retryable: false });
    expect(stub.channel(CHANNEL)).toHaveLength(0);
  });

  it("a long rate limit has mayHavePosted false, and a short one is waited out and posts once", async () => {
    stub.failNext("chat.postMessage", { kind: "ratelimit", retryAfter: 30 });
    expect(await postFailure(chat().post(CHANNEL, message))).toMatchObject({ code: "rate_limited", mayHavePosted: false });
    stub.failNext("chat.postMessage", { kind: "ratelimit", retryAfter: 1 });
    await chat().post(CHANNEL, message);
    expect(stub.count("chat.postMessage")).toBe(3);
    expect(stub.channel(CHANNEL)).toHaveLength(1);
  });

  it("a connection refused has mayHavePosted false", async () => {
    const port = await closedPort();
    const error = await postFailure(new SlackChat({ token: stub.token, apiUrl: `http://127.0.0.1:${port}/api/`, retries: 0 }).post(CHANNEL, message));
    expect(error).toMatchObject({ code: "network", mayHavePosted: false, retryable: true });
  });
});

describe("findPosted", () => {
  it("tags a post with Slack message metadata, and leaves untagged posts without", async () => {
    await chat().post(CHANNEL, message, { tag: CARD });
    await chat().post(CHANNEL, message);
    expect(stub.channel(CHANNEL).map((m) => m.metadata)).toEqual([
      { event_type: "simwatch_post", event_payload: { run_id: RUN, what: "card" } },
      undefined,
    ]);
  });

  it("finds a thread reply by its tag, and not a reply for something else", async () => {
    const since = aMinuteAgo();
    const card = await chat().post(CHANNEL, message, { tag: CARD });
    const mention = await chat().post(CHANNEL, message, { threadTs: card.ts, tag: { runId: RUN, what: "mention" } });
    expect(await chat().findPosted(CHANNEL, { runId: RUN, what: "mention" }, { since, threadTs: card.ts })).toEqual(mention);
    expect(await chat().findPosted(CHANNEL, { runId: RUN, what: "failures" }, { since, threadTs: card.ts })).toBeUndefined();
    // A thread reply is not in the channel's history.
    expect(await chat().findPosted(CHANNEL, { runId: RUN, what: "mention" }, { since })).toBeUndefined();
    const lookups = stub.calls.filter((call) => call.method.startsWith("conversations."));
    expect(lookups.every((call) => call.params.include_all_metadata === "true")).toBe(true);
  });

  it("answers undefined when the post never landed, and for another run's tag", async () => {
    await chat().post(CHANNEL, message, { tag: { runId: "6b0b0f114226fdec94000031", what: "card" } });
    await chat().post("C0ELSEWHERE", message, { tag: CARD });
    expect(await chat().findPosted(CHANNEL, CARD, { since: aMinuteAgo() })).toBeUndefined();
  });

  it("looks only at messages since `since` (less a few seconds for clocks)", async () => {
    await chat().post(CHANNEL, message, { tag: CARD });
    expect(await chat().findPosted(CHANNEL, CARD, { since: new Date(Date.now() + 60_000) })).toBeUndefined();
    expect(await chat().findPosted(CHANNEL, CARD, { since: new Date() })).toEqual({ channelId: CHANNEL, ts: stub.topLevel(CHANNEL)[0]?.ts });
  });

  it("pages back through a busy channel", async () => {
    const since = aMinuteAgo();
    const card = await chat().post(CHANNEL, message, { tag: CARD });
    for (let index = 0; index < 210; index++) await chat().post(CHANNEL, message);
    expect(await chat().findPosted(CHANNEL, CARD, { since })).toEqual(card);
    expect(stub.count("conversations.history")).toBe(2);
    expect(stub.calls.find((call) => call.method === "conversations.history")?.params.oldest).toBe((since.getTime() / 1000 - 10).toFixed(6));
  });

  it("throws when Slack will not let it look (missing_scope), so nobody posts again blindly", async () => {
    await chat().post(CHANNEL, message, { tag: CARD });
    stub.refuseLookups("missing_scope");
    for (const options of [{ since: aMinuteAgo() }, { since: aMinuteAgo(), threadTs: stub.topLevel(CHANNEL)[0]?.ts ?? "" }]) {
      const error = await postFailure(chat().findPosted(CHANNEL, CARD, options));
      expect(error).toMatchObject({ code: "missing_scope", retryable: false });
    }
  });

  it("throws a retryable error when the look-up itself meets a long rate limit", async () => {
    stub.failNext("conversations.history", { kind: "ratelimit", retryAfter: 30 });
    expect(await postFailure(chat().findPosted(CHANNEL, CARD, { since: aMinuteAgo() }))).toMatchObject({ code: "rate_limited", retryable: true });
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
