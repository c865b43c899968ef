/**
 * Posting once through the windows that used to let a message be posted twice or given up for
 * good: post-once over SlackChat against the Web API stand-in, attempts minutes apart on a clock
 * of their own (Slack's timestamps stay in real time, as Slack's do).
 */
import { describe, expect, it } from "vitest";
import { type ChatMessage, type PostTag, say } from "../../functions/core/chat.js";
import { createClaims } from "../../functions/core/idempotency/claims.js";
import { type PostOnceDeps, postOnce, type PostTarget } from "../../functions/core/idempotency/post-once.js";
import type { Logger } from "../../functions/core/log.js";
import type { ClaimOwner } from "../../functions/core/ports.js";
import { SlackChat } from "../../functions/slack/client.js";
import { MemoryStateStore } from "../support/memory-state-store.js";
import { useSlackStub } from "../support/slack-stub.js";

const RUN = "6b0b18a44226fdec9400003a";
const CARD: PostTag = { runId: RUN, what: "card" };
const MESSAGE = (): ChatMessage => say("info", ["Run ", { code: RUN }, " is running"]);
const stub = useSlackStub();

/** Attempts by different processes sharing one state, on a clock the test moves. */
function attempts() {
  const state = new MemoryStateStore();
  let nowMs = Date.now();
  const errors: string[] = [];
  const log: Logger = { info: () => {}, warn: () => {}, error: (event) => void errors.push(event) };
  let counter = 0;
  const attempt = (channelId: string): Promise<ReturnType<typeof postOnce> extends Promise<infer T> ? T : never> => {
    counter += 1;
    const owner: ClaimOwner = { id: `p${counter}`, isGone: () => false };
    const clock = { now: () => new Date(nowMs) };
    const deps: PostOnceDeps = {
      chat: new SlackChat({ token: stub.token, apiUrl: stub.apiUrl, timeoutMs: 2000, sleep: async () => {} }),
      claims: createClaims({ state, clock, owner }),
      clock,
      log,
      waitForPostMs: 0,
    };
    const target: PostTarget = { key: `_simwatch/runs/${RUN}/messages/${channelId}.json`, channelId, tag: CARD };
    return postOnce(deps, target, MESSAGE);
  };
  return { attempt, errors, later: (minutes: number) => void (nowMs += minutes * 60_000) };
}

describe("posting once, through the windows", () => {
  it("a third attempt looks back to the first attempt's post, not only to the second's claim", async () => {
    const { attempt, later } = attempts();
    stub.failNext("chat.postMessage", { kind: "drop-answer" });
    await expect(attempt("C0RUNS")).rejects.toMatchObject({ mayHavePosted: true });
    expect(stub.topLevel("C0RUNS")).toHaveLength(1);
    // Five minutes on, the second attempt cannot look (a long rate limit): it leaves the post uncertain.
    later(5);
    stub.failNext("conversations.history", { kind: "ratelimit", retryAfter: 120 });
    await expect(attempt("C0RUNS")).rejects.toMatchObject({ code: "rate_limited" });
    // Five more: the third finds the first attempt's message, though it landed long before the second's claim.
    later(5);
    expect(await attempt("C0RUNS")).toEqual({ status: "exists", ref: { channelId: "C0RUNS", ts: stub.topLevel("C0RUNS")[0]?.ts } });
    expect(stub.topLevel("C0RUNS")).toHaveLength(1);
  });

  it("joins a public channel it posted to without an invite to look for an uncertain post, and finds it", async () => {
    const { attempt, errors } = attempts();
    stub.notMember("C0PUBLIC", "public");
    stub.failNext("chat.postMessage", { kind: "drop-answer" });
    await expect(attempt("C0PUBLIC")).rejects.toMatchObject({ mayHavePosted: true });
    const outcome = await attempt("C0PUBLIC");
    expect(outcome).toEqual({ status: "exists", ref: { channelId: "C0PUBLIC", ts: stub.topLevel("C0PUBLIC")[0]?.ts } });
    expect(stub.count("conversations.join")).toBe(1);
    expect(stub.topLevel("C0PUBLIC")).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it("joins and posts when the uncertain post never landed in the public channel", async () => {
    const { attempt } = attempts();
    stub.notMember("C0PUBLIC", "public");
    stub.failNext("chat.postMessage", { kind: "http", status: 500 }, 1);
    await expect(attempt("C0PUBLIC")).rejects.toMatchObject({ mayHavePosted: true });
    expect(stub.topLevel("C0PUBLIC")).toHaveLength(0);
    expect((await attempt("C0PUBLIC")).status).toBe("posted");
    expect(stub.topLevel("C0PUBLIC")).toHaveLength(1);
  });

  it("in a private channel it is not in, nothing can have landed: it tries the post, and Slack's refusal is definite", async () => {
    const { attempt } = attempts();
    stub.failNext("chat.postMessage", { kind: "http", status: 500 }, 1);
    await expect(attempt("G0PRIVATE")).rejects.toMatchObject({ mayHavePosted: true });
    stub.notMember("G0PRIVATE", "private");
    await expect(attempt("G0PRIVATE")).rejects.toMatchObject({ code: "not_in_channel", mayHavePosted: false });
    expect(stub.topLevel("G0PRIVATE")).toHaveLength(0);
  });

  it("says so as an error when it may not join to look (no channels:join scope), never silently", async () => {
    const { attempt, errors } = attempts();
    stub.notMember("C0PUBLIC", "public");
    stub.failNext("chat.postMessage", { kind: "drop-answer" });
    await expect(attempt("C0PUBLIC")).rejects.toMatchObject({ mayHavePosted: true });
    stub.failNext("conversations.join", { kind: "error", error: "missing_scope" });
    expect(await attempt("C0PUBLIC")).toEqual({ status: "given_up" });
    expect(errors).toEqual(["post.given_up"]);
    expect(stub.topLevel("C0PUBLIC")).toHaveLength(1);
  });
});
