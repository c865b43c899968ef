/**
 * The real notifier against the Slack stand-in, which refuses what Slack refuses (50 blocks,
 * each element's limits, ~12,000 characters of block text): the biggest run's card, thread and
 * pings all arrive; a refused edit falls back to a smaller card; pings never wait on Why it
 * failed; a channel is pinged once per failing run; summaries that await the judge's reasons.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { Mention } from "../../functions/core/commands/commands.js";
import type { RunArchivedDetail, RunFinishedDetail, RunStartedDetail, SlackOrigin } from "../../functions/core/events.js";
import { createNotifier, NotifyIncomplete } from "../../functions/core/notifier/notify.js";
import { ensureRunMessage, postingFor } from "../../functions/core/notifier/run-messages.js";
import { buildRunCard } from "../../functions/core/notifier/run-card.js";
import type { FailingUnitTest, RunSummary } from "../../functions/core/summary/summary-model.js";
import { JUSTIFICATION_KEPT } from "../../functions/core/summary/judge-pages.js";
import { SlackChat } from "../../functions/slack/client.js";
import { blockTextLength, LIMITS } from "../../functions/slack/limits.js";
import { bigRunSummary } from "../support/big-run.js";
import { MemoryStateStore } from "../support/memory-state-store.js";
import { subscribeChannel } from "../support/subscribe.js";
import { type StubMessage, useSlackStub } from "../support/slack-stub.js";
import { failing, RUN_ID, SET_ID, summary } from "../support/summary-fixtures.js";

const TEAM = "C0TEAM";
const ORIGIN = "C0ORIGIN";
const qa: Mention = { kind: "group", markup: "<!subteam^S0QA>", label: "@qa" };
const clock = { now: () => new Date() };

const stub = useSlackStub();
let state: MemoryStateStore;

beforeEach(() => {
  state = new MemoryStateStore();
});

const chat = () => new SlackChat({ token: stub.token, apiUrl: stub.apiUrl, timeoutMs: 2000, sleep: async () => undefined });
const notifier = () => createNotifier({ chat: chat(), state, clock, waitForPostMs: 2000, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 10))) });

const started = (origin?: SlackOrigin): RunStartedDetail => ({
  runId: RUN_ID,
  setId: SET_ID,
  setName: "Checkout flows",
  createdAt: "2026-04-01T12:00:00.000Z",
  creator: { org_id: "org", user_id: "svc" },
  ...(origin ? { origin } : {}),
});
const finished = (s: RunSummary): RunFinishedDetail => ({ runId: RUN_ID, setId: SET_ID, verdict: s.verdict, summary: s });
const archived: RunArchivedDetail = { runId: RUN_ID, setId: SET_ID, location: `s3://archive/runs/${SET_ID}/${RUN_ID}/artifacts.zip`, key: `runs/${SET_ID}/${RUN_ID}/artifacts.zip`, size: 65536, sha256: "ab".repeat(32), contentType: "application/zip" };

const said = (message: { text: string; blocks: unknown[] }) => `${message.text}\n${JSON.stringify(message.blocks)}`;
const isWhy = (message: StubMessage) => message.text.startsWith("Why it failed");
/** Messages that notified `markup`: Slack notifies on a post, never on an edit, so what each said when first posted. */
const pingsOf = (channel: string, markup: string) => stub.channel(channel).filter((message) => said(message.history[0] ?? message).includes(markup));

const subscribe = (channelId: string, options: Parameters<typeof subscribeChannel>[2] = {}) => subscribeChannel(state, channelId, options);

/** The run started from ORIGIN: its announcement is there, as the command worker posts it. */
async function announce(origin: SlackOrigin): Promise<string> {
  const placed = await ensureRunMessage(postingFor({ chat: chat(), state, clock }), RUN_ID, ORIGIN, () => ({
    kind: "run",
    card: buildRunCard({ runId: RUN_ID, setId: SET_ID, verdict: "running", setName: "Checkout flows", origin }),
  }));
  if (placed.status === "given_up") throw new Error("the announcement was not posted");
  return placed.ref.ts;
}

/** A failing test with the judge's reasons. */
function judged(name: string, i = 0): FailingUnitTest {
  const base = failing(name, i);
  return { ...base, failingMetrics: [{ ...base.failingMetrics[0]!, reasons: [{ runIndex: 1, value: false, justification: `The agent never offered a refund date (${i}).` }] }] };
}

describe("the biggest run", () => {
  it("gets its card, its Why it failed and both pings into Slack, every message within Slack's limits", async () => {
    const origin = { channelId: ORIGIN, userId: "U0ALICE" };
    await subscribe(TEAM, { mention: qa });
    await subscribe(ORIGIN);
    const announcement = await announce(origin);
    const n = notifier();
    await n.runStarted(started(origin));
    // Justifications as the poller sends them (the renderers' own test has them whole).
    await n.runFinished(finished(bigRunSummary({ justificationChars: JUSTIFICATION_KEPT, runErrorChars: 1000 })));
    await n.runArchived(archived);

    expect(stub.refused).toEqual([]);
    for (const call of stub.calls.filter((c) => c.method === "chat.postMessage" || c.method === "chat.update")) {
      expect(blockTextLength(call.params.blocks)).toBeLessThanOrEqual(LIMITS.blockText);
    }
    const [card] = stub.topLevel(TEAM);
    expect(said(card!)).toContain(":x: ");
    expect(said(card!)).toContain("simwatch_download");
    expect(said(card!)).not.toContain("simwatch_cancel");
    const thread = stub.thread(TEAM, card!.ts);
    expect(thread.filter(isWhy)).toHaveLength(1);
    expect(thread.filter((reply) => reply.text.includes("<!subteam^S0QA>"))).toHaveLength(1);
    const started_ = stub.thread(ORIGIN, announcement);
    expect(started_.filter((reply) => reply.text.includes("<@U0ALICE> your run of"))).toHaveLength(1);
    expect(started_.filter(isWhy)).toHaveLength(1);
  });

  it("answers through a response_url within Slack's limits", async () => {
    const url = stub.responseUrl();
    await chat().respond(url, { kind: "run", card: buildRunCard({ runId: RUN_ID, setId: SET_ID, verdict: "failed", summary: bigRunSummary({ justificationChars: JUSTIFICATION_KEPT }) }) }, { visibility: "ephemeral" });
    expect(stub.refused).toEqual([]);
    expect(stub.responses).toHaveLength(1);
  });
});

describe("when Slack refuses a message as built", () => {
  it("edits the card to a smaller one with the verdict, never leaving it on running with a live Cancel", async () => {
    const n = notifier();
    await subscribe(TEAM);
    await n.runStarted(started());
    stub.failNext("chat.update", { kind: "error", error: "msg_blocks_too_long" });
    await n.runFinished(finished(summary()));
    const [card] = stub.topLevel(TEAM);
    expect(said(card!)).toContain(":x: Checkout flows");
    expect(said(card!)).toContain("summary.md");
    expect(said(card!)).not.toContain("simwatch_cancel");
    expect(said(card!)).not.toContain(":hourglass_flowing_sand:");
  });

  it("edits the card to its text alone when Slack refuses the smaller one too", async () => {
    const n = notifier();
    await subscribe(TEAM);
    await n.runStarted(started());
    stub.failNext("chat.update", { kind: "error", error: "invalid_blocks" }, 2);
    await n.runFinished(finished(summary()));
    const [card] = stub.topLevel(TEAM);
    expect(card!.blocks).toEqual([]);
    expect(card!.text).toContain("Checkout flows: failed");
  });
});

describe("pings", () => {
  it("are posted even when Why it failed cannot be, and Why it failed follows on redelivery, once", async () => {
    const origin = { channelId: ORIGIN, userId: "U0ALICE" };
    await subscribe(ORIGIN, { mention: qa });
    const announcement = await announce(origin);
    const n = notifier();
    await n.runStarted(started(origin));
    const judgedRun = summary({ failingUnitTests: [judged("Double charge on renewal")] });
    stub.failNext("chat.postMessage", { kind: "ratelimit", retryAfter: 30 }, 1, (params) => String(params.text).startsWith("Why it failed"));
    await expect(n.runFinished(finished(judgedRun))).rejects.toBeInstanceOf(NotifyIncomplete);
    const thread = () => stub.thread(ORIGIN, announcement);
    expect(thread().filter((reply) => reply.text.includes("<!subteam^S0QA>"))).toHaveLength(1);
    expect(thread().filter((reply) => reply.text.includes("<@U0ALICE> your run of"))).toHaveLength(1);
    expect(thread().filter(isWhy)).toHaveLength(0);

    await n.runFinished(finished(judgedRun));
    expect(thread().filter(isWhy)).toHaveLength(1);
    expect(thread()).toHaveLength(3);
  });

  it("page a --failures-only --mention group once per failing run: the card, and no reply when it is archived", async () => {
    await subscribe(TEAM, { failuresOnly: true, mention: qa });
    const n = notifier();
    await n.runStarted(started());
    await n.runFinished(finished(summary()));
    await n.runArchived(archived);
    await n.runFinished(finished(summary()));
    expect(stub.topLevel(TEAM)).toHaveLength(1);
    expect(pingsOf(TEAM, "<!subteam^S0QA>")).toHaveLength(1);
  });

  it("page once when the card's post landed but its answer was lost: the card's tag says it carried the ping", async () => {
    await subscribe(TEAM, { failuresOnly: true, mention: qa });
    const n = notifier();
    stub.failNext("chat.postMessage", { kind: "drop-answer" });
    await expect(n.runFinished(finished(summary()))).rejects.toBeInstanceOf(NotifyIncomplete);
    await n.runFinished(finished(summary()));
    await n.runArchived(archived);
    expect(stub.topLevel(TEAM)).toHaveLength(1);
    expect(pingsOf(TEAM, "<!subteam^S0QA>")).toHaveLength(1);
  });

  it("ping the starter once when the finished card is the first post in their channel", async () => {
    const origin = { channelId: ORIGIN, userId: "U0ALICE" };
    const n = notifier();
    await n.runStarted(started(origin));
    await n.runFinished(finished(summary()));
    await n.runArchived(archived);
    expect(stub.topLevel(ORIGIN)).toHaveLength(1);
    expect(pingsOf(ORIGIN, "<@U0ALICE>")).toHaveLength(1);
  });

  it("still ping when Slack will not let simwatch read the thread to see whether the card carried it", async () => {
    await subscribe(TEAM, { mention: qa });
    const n = notifier();
    await n.runStarted(started());
    stub.refuseLookups();
    await n.runFinished(finished(summary()));
    const [card] = stub.topLevel(TEAM);
    expect(stub.thread(TEAM, card!.ts).filter((reply) => reply.text.includes("<!subteam^S0QA>"))).toHaveLength(1);
  });

  it("still ping in the thread when the card was posted before the run failed", async () => {
    await subscribe(TEAM, { mention: qa });
    const n = notifier();
    await n.runStarted(started());
    await n.runFinished(finished(summary()));
    await n.runArchived(archived);
    const [card] = stub.topLevel(TEAM);
    expect(stub.thread(TEAM, card!.ts).filter((reply) => reply.text.includes("<!subteam^S0QA>"))).toHaveLength(1);
  });
});

describe("a summary that awaits the judge's reasons", () => {
  const tests = [judged("Double charge on renewal", 0), judged("Refund after chargeback", 1)];
  const complete = summary({ failingUnitTests: tests });
  const early = summary({ failingUnitTests: tests.map((test) => ({ ...test, failingMetrics: test.failingMetrics.map(({ reasons: _, ...metric }) => metric) })), awaiting: ["reasons", "trend"] });

  it("shows the verdict at once with a line that the reasons follow, then Why it failed once when they arrive", async () => {
    await subscribe(TEAM, { mention: qa });
    const n = notifier();
    await n.runStarted(started());
    await n.runFinished(finished(early));
    const [card] = stub.topLevel(TEAM);
    expect(said(card!)).toContain(":x: Checkout flows");
    expect(said(card!)).toContain("The judge's reasons are being read; they follow in this message's thread.");
    expect(stub.thread(TEAM, card!.ts).filter(isWhy)).toHaveLength(0);
    expect(pingsOf(TEAM, "<!subteam^S0QA>")).toHaveLength(1);

    await n.runFinished(finished(complete));
    expect(said(card!)).not.toContain("reasons are being read");
    expect(said(card!)).toContain("The agent never offered a refund date (0).");
    const why = stub.thread(TEAM, card!.ts).filter(isWhy);
    expect(why).toHaveLength(1);
    expect(said(why[0]!)).toContain("The agent never offered a refund date (1).");

    // A late redelivery of the verdict-first event changes nothing: the reasons stay.
    await n.runFinished(finished(early));
    await n.runFinished(finished(complete));
    expect(said(card!)).not.toContain("reasons are being read");
    expect(said(card!)).toContain("The agent never offered a refund date (0).");
    expect(stub.thread(TEAM, card!.ts).filter(isWhy)).toHaveLength(1);
    expect(pingsOf(TEAM, "<!subteam^S0QA>")).toHaveLength(1);
  });
});
