import { beforeEach, describe, expect, it, vi } from "vitest";
import { MemoryStateStore } from "../support/memory-state-store.js";
import type { Mention } from "../../functions/core/commands/commands.js";
import type { RunArchivedDetail, RunFinishedDetail, RunStartedDetail, SlackOrigin } from "../../functions/core/events.js";
import { createNotifier, NotifyIncomplete, type NotifierDeps } from "../../functions/core/notifier/notify.js";
import { ensureRunMessage, postingFor } from "../../functions/core/notifier/run-messages.js";
import { buildRunCard } from "../../functions/core/notifier/run-card.js";
import { stateKeys } from "../../functions/core/idempotency/state-keys.js";
import type { RunSummary } from "../../functions/core/summary/summary-model.js";
import { failing, RUN_ID, SET_ID, summary } from "../support/summary-fixtures.js";
import { SlackChat } from "../../functions/slack/client.js";
import { subscribeChannel } from "../support/subscribe.js";
import { useSlackStub } from "../support/slack-stub.js";

const DEFAULT = "C0DEFAULT";
const clock = { now: () => new Date("2026-04-01T12:05:00Z") };

const stub = useSlackStub();
let state: MemoryStateStore;
let sleeps: number[];

beforeEach(() => {
  state = new MemoryStateStore();
  sleeps = [];
});

function chat() {
  return new SlackChat({ token: stub.token, apiUrl: stub.apiUrl, timeoutMs: 2000, sleep: async (ms) => void sleeps.push(ms) });
}

function notifier(overrides: Partial<NotifierDeps> = {}) {
  return createNotifier({
    chat: chat(),
    state,
    clock,
    defaultChannel: DEFAULT,
    waitForPostMs: 2000,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 10))),
    ...overrides,
  });
}


const started = (extra: Partial<RunStartedDetail> = {}): RunStartedDetail => ({
  runId: RUN_ID,
  setId: SET_ID,
  setName: "Checkout flows",
  createdAt: "2026-04-01T12:00:00.000Z",
  creator: { org_id: "org", user_id: "svc" },
  ...extra,
});
const finished = (s: RunSummary = summary()): RunFinishedDetail => ({ runId: RUN_ID, setId: SET_ID, verdict: s.verdict, summary: s });
const archived: RunArchivedDetail = {
  runId: RUN_ID,
  setId: SET_ID,
  location: `s3://archive/runs/${SET_ID}/${RUN_ID}/artifacts.zip`,
  key: `runs/${SET_ID}/${RUN_ID}/artifacts.zip`,
  size: 65536,
  sha256: "ab".repeat(32),
  contentType: "application/zip",
};

const posts = () => stub.calls.filter((c) => c.method === "chat.postMessage" && (c.answer as { ok: boolean }).ok);
const updates = () => stub.calls.filter((c) => c.method === "chat.update" && (c.answer as { ok: boolean }).ok);
const blocksText = (message: { blocks: unknown[]; text: string }) => `${message.text}\n${JSON.stringify(message.blocks)}`;

const subscribe = (channelId: string, options: Parameters<typeof subscribeChannel>[2] = {}) => subscribeChannel(state, channelId, options);

describe("notifier against the Slack stand-in", () => {
  it("posts a run in the default channel and edits that same message when it finishes and is archived", async () => {
    const n = notifier();
    await n.runStarted(started());
    const [message] = stub.topLevel(DEFAULT);
    expect(stub.topLevel(DEFAULT)).toHaveLength(1);
    expect(blocksText(message!)).toContain(":hourglass_flowing_sand: Checkout flows");
    expect(blocksText(message!)).toContain("simwatch_cancel");

    await n.runFinished(finished());
    expect(stub.topLevel(DEFAULT)).toHaveLength(1);
    expect(updates()).toHaveLength(1);
    expect(updates()[0]!.params.ts).toBe(message!.ts);
    expect(blocksText(message!)).toContain(":x: Checkout flows");
    expect(blocksText(message!)).toContain("Guest checkout");
    expect(blocksText(message!)).not.toContain("simwatch_cancel");

    await n.runArchived(archived);
    expect(stub.topLevel(DEFAULT)).toHaveLength(1);
    expect(message!.history).toHaveLength(2);
    expect(blocksText(message!)).toContain(archived.location);
    expect(blocksText(message!)).toContain("simwatch_download");
  });

  it("once archived, the card carries Open report: the archive browser's stable link to the run, never a presigned one; Why it failed links it too", async () => {
    const base = "https://abc.lambda-url.eu-central-1.on.aws/archive/";
    const report = `${base}${SET_ID}/${RUN_ID}/`;
    const n = notifier({ archiveWebUrl: base });
    await n.runStarted(started());
    const many = summary({ failingUnitTests: Array.from({ length: 12 }, (_, i) => failing(`Failing test ${i + 1}`, i)) });
    await n.runFinished(finished(many));
    const [message] = stub.topLevel(DEFAULT);
    // Not archived yet: nothing to open.
    expect(blocksText(message!)).not.toContain("simwatch_open_report");
    const [why] = stub.thread(DEFAULT, message!.ts);
    expect(blocksText(why!)).toContain(`<${report}|Open the run's report>`);

    await n.runArchived(archived);
    const buttons = (message!.blocks as { type: string; elements?: { action_id?: string; url?: string; text?: { text: string } }[] }[])
      .filter((block) => block.type === "actions")
      .flatMap((block) => block.elements ?? []);
    const open = buttons.find((button) => button.action_id === "simwatch_open_report");
    expect(open).toMatchObject({ url: report, text: { text: "Open report" } });
    expect(buttons.map((button) => button.action_id)).toEqual(["simwatch_rerun", "simwatch_download", "simwatch_open_report"]);
    expect(blocksText(message!)).not.toMatch(/X-Amz-|Signature=/);
  });

  it("has no Open report without an archive browser (ARCHIVE_WEB_URL unset)", async () => {
    const n = notifier();
    await n.runFinished(finished());
    await n.runArchived(archived);
    expect(blocksText(stub.topLevel(DEFAULT)[0]!)).not.toContain("simwatch_open_report");
  });

  it("edits the message again when simwatch gives up on a finished run's artifacts, without a second post", async () => {
    const n = notifier();
    await n.runStarted(started());
    await n.runFinished(finished());
    const note = "simwatch gave up waiting for this run's artifacts after 48 hours; they were not archived.";
    await n.runFinished(finished(summary({ notes: [note] })));
    const [message] = stub.topLevel(DEFAULT);
    expect(stub.topLevel(DEFAULT)).toHaveLength(1);
    expect(message!.history).toHaveLength(2);
    expect(blocksText(message!)).toContain("gave up waiting for this run");
  });

  it("posts in subscribed channels instead of the default one", async () => {
    await subscribe("C0TEAM");
    await notifier().runStarted(started());
    expect(stub.topLevel("C0TEAM")).toHaveLength(1);
    expect(stub.topLevel(DEFAULT)).toHaveLength(0);
  });

  it("names the set from the event, with nothing to look up (the notifier never asks Amigo)", async () => {
    await notifier().runStarted(started({ setName: "Refund edge cases" }));
    expect(stub.topLevel(DEFAULT)[0]?.text).toContain("Refund edge cases");
  });

  it("posts nothing when no channel is subscribed and there is no default channel", async () => {
    const report = await createNotifier({ chat: chat(), state, clock }).runStarted(started());
    expect(report.posted).toEqual([]);
    expect(posts()).toHaveLength(0);
  });

  it("uses the Slack announcement as the run's message: no second post, finish edits it and pings the starter in its thread", async () => {
    const origin: SlackOrigin = { channelId: "C0ORIGIN", userId: "U0ALICE" };
    await subscribe("C0ORIGIN");
    const placed = await ensureRunMessage(postingFor({ chat: chat(), state, clock }), RUN_ID, "C0ORIGIN", () => ({
      kind: "run",
      card: buildRunCard({ runId: RUN_ID, setId: SET_ID, verdict: "running", setName: "Checkout flows", origin }),
    }));
    if (placed.status !== "posted") throw new Error(`the announcement was not posted: ${placed.status}`);
    const announcement = placed;
    await state.create(stateKeys.runOrigin(RUN_ID), { ...origin, threadTs: announcement.ref.ts });
    const n = notifier();
    await n.runStarted(started({ origin: { ...origin, threadTs: announcement.ref.ts } }));
    expect(stub.topLevel("C0ORIGIN")).toHaveLength(1);

    await n.runFinished(finished());
    expect(stub.topLevel("C0ORIGIN")).toHaveLength(1);
    expect(updates()[0]!.params.ts).toBe(announcement.ref.ts);
    const thread = stub.thread("C0ORIGIN", announcement.ref.ts);
    expect(thread).toHaveLength(1);
    expect(thread[0]!.text).toContain("<@U0ALICE>");
  });

  it("posts a message at finish when there was none (the run started before simwatch watched)", async () => {
    await notifier().runFinished(finished(summary({ verdict: "passed", failingUnitTests: [] })));
    expect(stub.topLevel(DEFAULT)).toHaveLength(1);
    expect(stub.topLevel(DEFAULT)[0]!.text).toContain(":white_check_mark: Checkout flows: passed");
  });

  it("loads a summary that travelled by reference", async () => {
    await state.create(stateKeys.runSummary(RUN_ID), summary({ failingUnitTests: [failing("Loaded from state")] }));
    await notifier().runFinished({ runId: RUN_ID, setId: SET_ID, verdict: "failed", summaryRef: stateKeys.runSummary(RUN_ID) });
    expect(blocksText(stub.topLevel(DEFAULT)[0]!)).toContain("Loaded from state");
  });

  it("lists more than 10 failing tests in one thread reply, once, however often the event comes", async () => {
    const n = notifier();
    await n.runStarted(started());
    const many = summary({ failingUnitTests: Array.from({ length: 14 }, (_, i) => failing(`Failing test ${i + 1}`, i)) });
    await n.runFinished(finished(many));
    await n.runFinished(finished(many));
    const [message] = stub.topLevel(DEFAULT);
    expect(blocksText(message!)).toContain("Failing test 10");
    expect(blocksText(message!)).not.toContain("Failing test 11*");
    const thread = stub.thread(DEFAULT, message!.ts);
    expect(thread).toHaveLength(1);
    expect(blocksText(thread[0]!)).toContain("Failing test 11");
    expect(blocksText(thread[0]!)).toContain("Failing test 14");
    expect(stub.topLevel(DEFAULT)).toHaveLength(1);
  });

  it("escapes <!channel> and friends in set and unit test names", async () => {
    const evil = summary({ setName: "<!channel> set", failingUnitTests: [failing("<!here> <@U0BOSS> @everyone")] });
    await notifier().runFinished(finished(evil));
    for (const call of stub.calls) {
      const sent = `${String(call.params.text)}${JSON.stringify(call.params.blocks)}`;
      expect(sent).not.toMatch(/<!channel>|<!here>|<@U0BOSS>|<!everyone>/);
      expect(sent).not.toMatch(/(^|[^\u2060])@everyone/);
    }
  });

  describe("--failures-only", () => {
    it("stays quiet while a run runs and when it passes", async () => {
      await subscribe("C0QUIET", { failuresOnly: true });
      const n = notifier();
      await n.runStarted(started());
      await n.runFinished(finished(summary({ verdict: "passed", failingUnitTests: [] })));
      await n.runArchived(archived);
      expect(stub.channel("C0QUIET")).toHaveLength(0);
      expect(stub.channel(DEFAULT)).toHaveLength(0);
    });

    it("posts once the run fails, and edits that message on archive", async () => {
      await subscribe("C0QUIET", { failuresOnly: true });
      const n = notifier();
      await n.runStarted(started());
      await n.runFinished(finished());
      await n.runArchived(archived);
      expect(stub.topLevel("C0QUIET")).toHaveLength(1);
      expect(blocksText(stub.topLevel("C0QUIET")[0]!)).toContain("simwatch_download");
    });
  });

  describe("--mention", () => {
    const qa: Mention = { kind: "group", markup: "<!subteam^S0QA>", label: "@qa" };

    it("prepends the mention to a failed run's message and pings in the thread, since edits notify nobody", async () => {
      await subscribe("C0TEAM", { mention: qa });
      const n = notifier();
      await n.runStarted(started());
      expect(stub.topLevel("C0TEAM")[0]!.text).not.toContain("<!subteam^S0QA>");
      await n.runFinished(finished());
      const [message] = stub.topLevel("C0TEAM");
      expect(message!.text.startsWith("<!subteam^S0QA> ")).toBe(true);
      const thread = stub.thread("C0TEAM", message!.ts);
      expect(thread).toHaveLength(1);
      expect(thread[0]!.text).toContain("<!subteam^S0QA>");
      expect(JSON.stringify(thread[0]!.blocks)).toContain("<!subteam^S0QA>");
    });

    it("a freshly posted failure carries the mention itself, with no extra thread reply", async () => {
      await subscribe("C0TEAM", { failuresOnly: true, mention: qa });
      await notifier().runFinished(finished());
      const [message] = stub.topLevel("C0TEAM");
      expect(message!.text.startsWith("<!subteam^S0QA> ")).toBe(true);
      expect(stub.thread("C0TEAM", message!.ts)).toHaveLength(0);
    });

    it("does not mention anyone for a passing run", async () => {
      await subscribe("C0TEAM", { mention: qa });
      await notifier().runFinished(finished(summary({ verdict: "passed", failingUnitTests: [] })));
      expect(JSON.stringify(stub.calls.map((c) => c.params))).not.toContain("subteam");
    });
  });

  describe("idempotency", () => {
    it("a redelivered Run Started posts nothing the second time", async () => {
      const n = notifier();
      await n.runStarted(started());
      await n.runStarted(started());
      expect(posts()).toHaveLength(1);
    });

    it("two deliveries racing each other post one message", async () => {
      const n1 = notifier();
      const n2 = notifier();
      await Promise.all([n1.runStarted(started()), n2.runStarted(started()), n1.runStarted(started())]);
      expect(posts()).toHaveLength(1);
    });

    it("a run's events handled side by side edit its card once each, not once more for each other", async () => {
      const n = notifier();
      await n.runStarted(started());
      // Run Archived arrives while Run Finished's edit is on its way to a slow Slack, as the
      // bus's consumers would hand them over.
      stub.answerLate(150);
      const finishing = n.handle({ detailType: "Run Finished", detail: finished() });
      await vi.waitUntil(() => stub.count("chat.update") === 1, { interval: 5 });
      await Promise.all([finishing, n.handle({ detailType: "Run Archived", detail: archived })]);
      expect(updates()).toHaveLength(2);
      const [message] = stub.topLevel(DEFAULT);
      expect(blocksText(message!)).toContain(":x: Checkout flows");
      expect(blocksText(message!)).toContain("simwatch_download");
    });

    it("events in the wrong order converge on the final card", async () => {
      const n = notifier();
      await n.runArchived(archived);
      await n.runFinished(finished());
      await n.runStarted(started());
      const [message] = stub.topLevel(DEFAULT);
      expect(stub.topLevel(DEFAULT)).toHaveLength(1);
      expect(blocksText(message!)).toContain(":x: Checkout flows");
      expect(blocksText(message!)).toContain("simwatch_download");
    });
  });

  describe("when Slack says no", () => {
    it("skips a channel that answers ok:false not_in_channel and still serves the others", async () => {
      await subscribe("C0LOCKED");
      await subscribe("C0OPEN");
      stub.blockChannel("C0LOCKED");
      const report = await notifier().runStarted(started());
      expect(report.skipped).toEqual(["C0LOCKED"]);
      expect(stub.topLevel("C0OPEN")).toHaveLength(1);
      // The claim was released: once the app is invited, a later event posts there.
      stub.unblockChannel("C0LOCKED");
      await notifier().runFinished(finished());
      expect(stub.topLevel("C0LOCKED")).toHaveLength(1);
      expect(stub.topLevel("C0OPEN")).toHaveLength(1);
    });

    it("waits out a short 429 Retry-After and posts exactly once", async () => {
      stub.failNext("chat.postMessage", { kind: "ratelimit", retryAfter: 1 });
      await notifier().runStarted(started());
      expect(sleeps).toEqual([1000]);
      expect(posts()).toHaveLength(1);
      expect(stub.calls.filter((c) => c.status === 429)).toHaveLength(1);
    });

    it("asks for a redelivery on a long Retry-After, and the redelivery posts once", async () => {
      stub.failNext("chat.postMessage", { kind: "ratelimit", retryAfter: 30 });
      const n = notifier();
      await expect(n.runStarted(started())).rejects.toBeInstanceOf(NotifyIncomplete);
      expect(posts()).toHaveLength(0);
      await n.runStarted(started());
      expect(posts()).toHaveLength(1);
    });

    it("retries an HTTP 500 inside the call", async () => {
      stub.failNext("chat.update", { kind: "http", status: 500 });
      const n = notifier();
      await n.runStarted(started());
      await n.runFinished(finished());
      expect(updates()).toHaveLength(1);
      expect(stub.topLevel(DEFAULT)).toHaveLength(1);
    });

    it("asks for a redelivery on Slack's internal_error, without double-posting after", async () => {
      stub.failNext("chat.postMessage", { kind: "error", error: "internal_error" });
      const n = notifier();
      await expect(n.runFinished(finished())).rejects.toBeInstanceOf(NotifyIncomplete);
      await n.runFinished(finished());
      await n.runFinished(finished());
      expect(posts()).toHaveLength(1);
    });

    it("posts the Why it failed reply once in each channel, even when Slack's answer to it is lost", async () => {
      await subscribe("C0TEAM");
      await subscribe("C0OTHER");
      const n = notifier();
      await n.runStarted(started());
      const reasons = [{ runIndex: 1, value: 2, justification: "The agent never offered a refund date." }];
      const judged = summary({ failingUnitTests: [{ ...failing("Double charge on renewal"), failingMetrics: [{ ...failing("x").failingMetrics[0]!, reasons }] }] });
      // The reply in C0TEAM lands, but its answer never comes back: the poster cannot know.
      stub.failNext("chat.postMessage", { kind: "drop-answer" });
      await n.runFinished(finished(judged)).catch(() => undefined);
      await n.runFinished(finished(judged)).catch(() => undefined);
      await n.runFinished(finished(judged));
      expect(stub.calls.some((call) => call.method === "chat.postMessage" && call.params.thread_ts !== undefined && call.status === 0)).toBe(true);
      for (const channel of ["C0TEAM", "C0OTHER"]) {
        const [card] = stub.topLevel(channel);
        const why = stub.thread(channel, card!.ts).filter((reply) => reply.text.startsWith("Why it failed"));
        expect(why).toHaveLength(1);
        expect(blocksText(why[0]!)).toContain("The agent never offered a refund date.");
      }
    });

    it("sends the bot token only as a bearer header", async () => {
      await notifier().runStarted(started());
      expect(stub.calls.every((c) => c.authorization === `Bearer ${stub.token}`)).toBe(true);
      expect(JSON.stringify(stub.calls.map((c) => c.params))).not.toContain(stub.token);
    });
  });
});
