/**
 * Every message simwatch sends stays within all of Slack's limits, the total block text
 * included, however big the run: checked with the Slack stand-in's own rules (slackRefusal),
 * written apart from the renderer's.
 */
import type { KnownBlock } from "@slack/web-api";
import { describe, expect, it } from "vitest";
import { type ChatMessage, say } from "../../../functions/core/chat.js";
import { buildRunCard, type RunFacts, whyItFailed } from "../../../functions/core/notifier/run-card.js";
import type { RunSummary } from "../../../functions/core/summary/summary-model.js";
import { renderings, renderMessage } from "../../../functions/slack/blocks.js";
import { blockTextLength, fitBlocks, LIMITS } from "../../../functions/slack/limits.js";
import { bigRunSummary, longText } from "../../support/big-run.js";
import { slackRefusal } from "../../support/slack-stub.js";
import { failing, RUN_ID, SET_ID, summary } from "../../support/summary-fixtures.js";

const facts = (s: RunSummary, extra: Partial<RunFacts> = {}): RunFacts => ({ runId: RUN_ID, setId: SET_ID, verdict: s.verdict, summary: s, ...extra });
const archive = { location: `s3://archive/runs/${SET_ID}/${RUN_ID}/artifacts.zip`, key: `runs/${SET_ID}/${RUN_ID}/artifacts.zip`, size: 65536, sha256: "ab", contentType: "application/zip" };
const qa = { kind: "group" as const, markup: "<!subteam^S0QA>", label: "@qa" };
const all = (blocks: KnownBlock[]) => JSON.stringify(blocks);

/** Slack takes it: no refusal by the stand-in's rules, and under our own 11,000 budget. */
function expectWithinLimits(message: ChatMessage) {
  for (const { text, blocks } of renderings(message)) {
    expect(slackRefusal(text, blocks)).toBeUndefined();
    expect(blockTextLength(blocks)).toBeLessThanOrEqual(LIMITS.blockText);
    expect(blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
    expect(text.length).toBeGreaterThan(0);
    expect(text.length).toBeLessThanOrEqual(LIMITS.fallbackText);
  }
}

describe("the biggest run's messages", () => {
  const big = bigRunSummary();
  const origin = { channelId: "C0ORIGIN", userId: "U0ALICE" };

  it("keeps the card within every limit, running, failed with a mention, and archived, with its buttons", () => {
    const messages: ChatMessage[] = [
      { kind: "run", card: buildRunCard({ runId: RUN_ID, setId: SET_ID, verdict: "running", setName: big.setName, origin }) },
      { kind: "run", card: buildRunCard(facts(big, { origin }), { mention: qa }) },
      { kind: "run", card: buildRunCard(facts(big, { origin, archive }), { mention: qa }) },
    ];
    for (const message of messages) expectWithinLimits(message);
    const { blocks } = renderMessage(messages[2]!);
    expect(blocks.at(-1)?.type).toBe("actions");
    expect(all(blocks)).toContain("simwatch_download");
    expect(all(blocks)).toContain("<!subteam^S0QA>");
    expect(all(blocks)).toContain("more failing unit tests, listed in this message's thread");
  });

  it("keeps Why it failed within every limit and says where the rest is", () => {
    const why = whyItFailed(facts(big))!;
    expect(why.failingUnitTests).toHaveLength(500);
    expectWithinLimits({ kind: "why", why });
    const text = all(renderMessage({ kind: "why", why }).blocks);
    expect(text).toContain("1. *");
    expect(text).toMatch(/and \d+ more failing unit tests; the run's summary.md in the archive has every reason in full/);
  });

  it("keeps the pings and a long command answer within every limit", () => {
    expectWithinLimits(say("error", [{ mention: qa }, " the run of ", { bold: big.setName }, " failed."]));
    expectWithinLimits(say("error", [{ user: "U0ALICE" }, " your run of ", { bold: big.setName }, " failed."]));
    const answer: ChatMessage = { kind: "notice", notice: { tone: "info", title: big.setName, lines: Array.from({ length: 600 }, (_, i) => [{ bold: `run ${i}` }, ` ${longText(400)}`]) } };
    expectWithinLimits(answer);
    expect(all(renderMessage(answer).blocks)).toContain("The rest of this answer was left out to fit Slack's limits.");
  });

  it("fits the issue's Why it failed of 8 failing tests x 2 metrics x 3 repetitions (15,265 characters before)", () => {
    const eight = bigRunSummary({ failing: 8, justificationChars: 600, runErrorChars: 0 });
    expectWithinLimits({ kind: "why", why: whyItFailed(facts(eight))! });
  });
});

describe("cutting", () => {
  it("cuts each long run error on its own, so every error of a failing test shows", () => {
    const test = { ...failing("Double charge"), runErrors: [longText(5000, "first"), longText(5000, "second"), longText(5000, "third")] };
    const text = all(renderMessage({ kind: "run", card: buildRunCard(facts(summary({ failingUnitTests: [test] }))) }).blocks);
    expect(text.match(/• run error: /g)).toHaveLength(3);
    for (const which of ["first", "second", "third"]) expect(text).toContain(`twice ${which}`);
  });

  it("keeps the buttons and says where the rest is when a message is cut", () => {
    const sections: KnownBlock[] = Array.from({ length: 60 }, (_, i) => ({ type: "section", text: { type: "mrkdwn", text: `${i} ${"x".repeat(500)}` } }));
    const actions: KnownBlock & { type: "actions" } = { type: "actions", elements: [{ type: "button", action_id: "a", text: { type: "plain_text", text: "Re-run" } }] };
    const fitted = fitBlocks(sections, actions, "See summary.md.");
    expect(fitted.at(-1)).toBe(actions);
    expect(all(fitted.slice(-2, -1))).toContain("See summary.md.");
    expect(blockTextLength(fitted)).toBeLessThanOrEqual(LIMITS.blockText);
    // Kept from the top, in order.
    expect(fitted[0]).toBe(sections[0]);
  });

  it("leaves a message that fits as it is", () => {
    const sections: KnownBlock[] = [{ type: "section", text: { type: "mrkdwn", text: "short" } }];
    expect(fitBlocks(sections, undefined, "cut")).toEqual(sections);
  });

  it("counts every text in the blocks, buttons and confirm dialogs included", () => {
    expect(blockTextLength([{ type: "section", text: { type: "mrkdwn", text: "abc" }, fields: [{ type: "mrkdwn", text: "de" }] }, { type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "f" }, confirm: { title: { type: "plain_text", text: "gh" } } }] }])).toBe(8);
  });
});

describe("smaller renderings for a message Slack refuses", () => {
  it("a finished card's compact form keeps the verdict and drops Cancel; its last resort has no blocks at all", () => {
    const [, compact, bare] = renderings({ kind: "run", card: buildRunCard(facts(bigRunSummary({ failing: 30 }))) });
    expect(compact!.blocks[0]).toMatchObject({ type: "header" });
    expect(all(compact!.blocks)).toContain(":x: ");
    expect(all(compact!.blocks)).toContain("failed");
    expect(all(compact!.blocks)).not.toContain("simwatch_cancel");
    expect(all(compact!.blocks)).toContain("summary.md");
    expect(bare!.blocks).toEqual([]);
    expect(bare!.text).toContain("failed");
  });
});
