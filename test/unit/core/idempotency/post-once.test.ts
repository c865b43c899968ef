import { describe, expect, it } from "vitest";
import { ChatError, type ChatMessage, type ChatPort, type MessageRef, type PostTag, say } from "../../../../functions/core/chat.js";
import { createClaims } from "../../../../functions/core/idempotency/claims.js";
import { silentLogger } from "../../../../functions/core/log.js";
import type { ClaimOwner } from "../../../../functions/core/ports.js";
import { postOnce, type PostTarget } from "../../../../functions/core/idempotency/post-once.js";
import { MemoryStateStore } from "../../../support/memory-state-store.js";

const RUN = "0123456789abcdef01234567";
const TARGET: PostTarget = { key: `_simwatch/runs/${RUN}/messages/C1.json`, channelId: "C1", tag: { runId: RUN, what: "card" } };
const MESSAGE = (): ChatMessage => say("info", ["hello"]);

/** A channel that keeps what was posted; each post can be told to fail before or after it lands. */
function channel() {
  const posted: { ts: string; tag?: PostTag }[] = [];
  const plan: ("lands" | "refused" | "lands-then-times-out")[] = [];
  let lookups: "answer" | "refuse" = "answer";
  const chat: ChatPort = {
    async post(channelId, _message, options = {}) {
      const step = plan.shift() ?? "lands";
      if (step === "refused") throw new ChatError("ratelimited", "refused", true);
      const ts = `1.${posted.length + 1}`;
      posted.push({ ts, ...(options.tag ? { tag: options.tag } : {}) });
      if (step === "lands-then-times-out") throw new ChatError("timeout", "timed out", true, undefined, { mayHavePosted: true });
      return { channelId, ts };
    },
    async findPosted(channelId, tag): Promise<MessageRef | undefined> {
      if (lookups === "refuse") throw new ChatError("missing_scope", "cannot read history", false);
      const found = posted.find((p) => p.tag?.runId === tag.runId && p.tag.what === tag.what);
      return found ? { channelId, ts: found.ts } : undefined;
    },
    async update() {},
    async respond() {},
  };
  return { chat, posted, plan, refuseLookups: () => (lookups = "refuse") };
}

function deps(chat: ChatPort, state: MemoryStateStore, id: string, gone: Set<string>) {
  const owner: ClaimOwner = { id, isGone: (other) => gone.has(other) };
  const clock = { now: () => new Date("2026-04-01T12:00:00Z") };
  return { chat, claims: createClaims({ state, clock, owner }), clock, log: silentLogger, waitForPostMs: 0 };
}

describe("posting once", () => {
  it("posts once, and a second delivery finds the message instead of posting again", async () => {
    const state = new MemoryStateStore();
    const c = channel();
    expect((await postOnce(deps(c.chat, state, "a", new Set()), TARGET, MESSAGE)).status).toBe("posted");
    expect(await postOnce(deps(c.chat, state, "b", new Set()), TARGET, MESSAGE)).toEqual({ status: "exists", ref: { channelId: "C1", ts: "1.1" } });
    expect(c.posted).toHaveLength(1);
  });

  it("posts again after Slack refused the post for certain", async () => {
    const state = new MemoryStateStore();
    const c = channel();
    c.plan.push("refused");
    await expect(postOnce(deps(c.chat, state, "a", new Set()), TARGET, MESSAGE)).rejects.toThrow("refused");
    expect((await postOnce(deps(c.chat, state, "a", new Set()), TARGET, MESSAGE)).status).toBe("posted");
    expect(c.posted).toHaveLength(1);
  });

  it("looks before posting again when a post's answer never came, and finds it", async () => {
    const state = new MemoryStateStore();
    const c = channel();
    c.plan.push("lands-then-times-out");
    await expect(postOnce(deps(c.chat, state, "a", new Set()), TARGET, MESSAGE)).rejects.toThrow("timed out");
    expect(await postOnce(deps(c.chat, state, "a", new Set()), TARGET, MESSAGE)).toEqual({ status: "exists", ref: { channelId: "C1", ts: "1.1" } });
    expect(c.posted).toHaveLength(1);
  });

  it("looks before posting when the poster died mid-post, and posts if nothing is there", async () => {
    const state = new MemoryStateStore();
    const c = channel();
    const dying = deps(c.chat, state, "a", new Set());
    // "a" claimed the post and was killed before posting.
    await dying.claims.acquire(TARGET.key, { ttlMs: 60_000, progress: { channelId: "C1" } });
    expect((await postOnce(deps(c.chat, state, "b", new Set(["a"])), TARGET, MESSAGE)).status).toBe("posted");
    expect(c.posted).toHaveLength(1);
  });

  it("gives the message up rather than risk a second copy when nobody can look", async () => {
    const state = new MemoryStateStore();
    const c = channel();
    c.plan.push("lands-then-times-out");
    await expect(postOnce(deps(c.chat, state, "a", new Set()), TARGET, MESSAGE)).rejects.toThrow("timed out");
    c.refuseLookups();
    expect(await postOnce(deps(c.chat, state, "a", new Set()), TARGET, MESSAGE)).toEqual({ status: "given_up" });
    expect(await postOnce(deps(c.chat, state, "b", new Set()), TARGET, MESSAGE)).toEqual({ status: "given_up" });
    expect(c.posted).toHaveLength(1);
  });

  it("asks for a redelivery while another delivery holds the post", async () => {
    const state = new MemoryStateStore();
    const c = channel();
    await deps(c.chat, state, "a", new Set()).claims.acquire(TARGET.key, { ttlMs: 60_000, progress: { channelId: "C1" } });
    await expect(postOnce(deps(c.chat, state, "b", new Set()), TARGET, MESSAGE)).rejects.toMatchObject({ code: "message_busy", retryable: true });
    expect(c.posted).toHaveLength(0);
  });
});
