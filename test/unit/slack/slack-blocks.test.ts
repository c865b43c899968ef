import type { KnownBlock } from "@slack/web-api";
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../../functions/core/chat.js";
import { buildRunCard, FAILURES_INLINE, type RunFacts, whyItFailed } from "../../../functions/core/notifier/run-card.js";
import type { FailingUnitTest, RunSummary } from "../../../functions/core/summary/summary-model.js";
import { failing, RUN_ID, SET_ID, summary } from "../../support/summary-fixtures.js";
import { LIMITS, renderMessage, renderRunCard } from "../../../functions/slack/blocks.js";
import { escapeText, truncateMrkdwn } from "../../../functions/slack/escape.js";
import { messageToPlain } from "../../../functions/slack/plain-text.js";
import { TerminalChat } from "../../../functions/local/terminal-chat.js";



const facts = (s: RunSummary, extra: Partial<RunFacts> = {}): RunFacts => ({ runId: RUN_ID, setId: SET_ID, verdict: s.verdict, summary: s, ...extra });

function allText(blocks: KnownBlock[]): string {
  return JSON.stringify(blocks);
}

function textsOf(blocks: KnownBlock[]): { kind: string; text: string }[] {
  const out: { kind: string; text: string }[] = [];
  for (const block of blocks) {
    if (block.type === "header") out.push({ kind: "header", text: block.text.text });
    if (block.type === "section") {
      if (block.text) out.push({ kind: "section", text: block.text.text });
      for (const field of block.fields ?? []) out.push({ kind: "field", text: field.text });
    }
  }
  return out;
}

describe("run card rendering", () => {
  it("shows the verdict emoji and set name in the header, and the fields a reader needs", () => {
    const { text, blocks } = renderRunCard(buildRunCard(facts(summary()), {}));
    expect(blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: ":x: Checkout flows", emoji: true } });
    const fields = textsOf(blocks).filter((t) => t.kind === "field").map((t) => t.text);
    expect(fields).toEqual(expect.arrayContaining([`*Run*\n\`${RUN_ID}\``, "*Duration*\n3m 5s", "*Unit tests passed*\n2 of 3", "*Metric evaluations passed*\n7 of 9", "*Run errors*\n0"]));
    expect(allText(blocks)).toContain("Issue resolved: is true, failed 2 of 3 runs");
    expect(text).toMatch(/Checkout flows: failed/);
  });

  it("offers re-run and cancel while running, re-run and download once archived", () => {
    const running = renderRunCard(buildRunCard({ runId: RUN_ID, setId: SET_ID, verdict: "running", setName: "Checkout flows" }));
    const actions = running.blocks.at(-1);
    expect(actions?.type).toBe("actions");
    expect(JSON.stringify(actions)).toContain("simwatch_cancel");
    const archived = renderRunCard(
      buildRunCard(facts(summary(), { archive: { location: "s3://b/runs/x/artifacts.zip", key: `runs/${SET_ID}/${RUN_ID}/artifacts.zip`, size: 2048, sha256: "ab", contentType: "application/zip" } })),
    );
    const last = JSON.stringify(archived.blocks.at(-1));
    expect(last).toContain("simwatch_download");
    expect(last).toContain("simwatch_rerun");
    expect(last).not.toContain("simwatch_cancel");
    expect(allText(archived.blocks)).toContain("s3://b/runs/x/artifacts.zip");
  });

  it("says in one line that the artifacts could not be archived, with no download button (#21)", () => {
    const failure = { reason: "the artifacts URL answered HTTP 404: the file is <gone> & *lost*", tries: 5 };
    const card = renderRunCard(buildRunCard(facts(summary(), { archive: { location: "s3://b/runs/x/run.json", key: "", size: 0, sha256: "", contentType: "", failure } })));
    const lines = textsOf(card.blocks).filter((block) => block.text.includes("Artifacts")).map((block) => block.text);
    expect(lines).toEqual(["*Artifacts* not archived: the artifacts URL answered HTTP 404: the file is &lt;gone&gt; &amp; *lost* (gave up after 5 tries; run.json says so)"]);
    const last = JSON.stringify(card.blocks.at(-1));
    expect(last).toContain("simwatch_rerun");
    expect(last).not.toContain("simwatch_download");
  });

  it("escapes names so a unit test called <!channel> pings nobody", () => {
    const evil = summary({
      setName: "<!here> set & co",
      failingUnitTests: [failing("<!channel> refund <@U123ABC> & <https://evil.example|click>"), failing("@channel plain", 1)],
      runErrors: [{ unitTestId: "x", unitTestName: "<!everyone>", message: "boom <!subteam^S1>" }],
    });
    const { text, blocks } = renderRunCard(buildRunCard(facts(evil)));
    const mrkdwn = textsOf(blocks).filter((t) => t.kind !== "header");
    for (const { text: t } of [...mrkdwn, { text }]) {
      expect(t).not.toMatch(/<!channel>|<!here>|<!everyone>|<@U123ABC>|<!subteam|<https:\/\/evil/);
      expect(t).not.toMatch(/(^|[^\u2060])@channel/);
    }
    expect(allText(blocks)).toContain("&lt;!channel&gt; refund &lt;@U123ABC&gt; &amp; &lt;https://evil.example|click&gt;");
    // mrkdwn is sent verbatim, so Slack does not auto-link or auto-mention anything either.
    for (const block of blocks) if (block.type === "section" && block.text?.type === "mrkdwn") expect(block.text.verbatim).toBe(true);
  });

  it("prepends the subscription's mention on failure only", () => {
    const mention = { kind: "group" as const, markup: "<!subteam^S0QA>", label: "@qa" };
    const failed = renderRunCard(buildRunCard(facts(summary()), { mention }));
    expect(failed.text.startsWith("<!subteam^S0QA> ")).toBe(true);
    expect(textsOf(failed.blocks)[0]?.text).toMatch(/^<!subteam\^S0QA> /);
    const passed = renderRunCard(buildRunCard(facts(summary({ verdict: "passed", failingUnitTests: [] })), { mention }));
    expect(passed.text).not.toContain("subteam");
  });

  it("keeps at most 10 failing tests in the message and leaves the rest for the thread", () => {
    const many = summary({ failingUnitTests: Array.from({ length: 37 }, (_, i) => failing(`Test ${i + 1}`, i)) });
    const card = buildRunCard(facts(many));
    expect(card.failingUnitTests).toHaveLength(FAILURES_INLINE);
    expect(card.moreFailing).toBe(27);
    expect(allText(renderRunCard(card).blocks)).toContain("and 27 more failing unit tests, listed in this message's thread");
    const why = whyItFailed(facts(many));
    expect(why?.failingUnitTests).toHaveLength(37);
    const reply = renderMessage({ kind: "why", why: why! });
    expect(allText(reply.blocks)).toContain("1. *Test 1*");
    expect(allText(reply.blocks)).toContain("11. *Test 11*");
    expect(allText(reply.blocks)).toContain("37. *Test 37*");
  });

  it("stays within Block Kit limits with absurd input", () => {
    const huge = "ünïcødé 😀 <&> ".repeat(2000);
    const absurd = summary({
      setName: huge,
      failingUnitTests: Array.from({ length: 500 }, (_, i) => ({
        ...failing(`${huge}${i}`, i),
        failingMetrics: Array.from({ length: 40 }, (_, j) => ({ metricId: `m${j}`, criterionName: huge, criterion: huge, failedRuns: 1, evaluatedRuns: 1 })),
        runErrors: [huge, huge, huge, huge],
      })),
      runErrors: Array.from({ length: 100 }, (_, i) => ({ unitTestId: `e${i}`, unitTestName: huge, message: huge })),
      diff: { previousRunId: RUN_ID, newlyFailing: Array(300).fill(huge), fixed: Array(300).fill(huge), stillFailing: Array(300).fill(huge) },
      notes: Array(30).fill(huge),
    });
    const messages: ChatMessage[] = [
      { kind: "run", card: buildRunCard(facts(absurd), { mention: { kind: "here", markup: "<!here>", label: "@here" } }) },
      { kind: "why", why: whyItFailed(facts(absurd))! },
      { kind: "notice", notice: { tone: "info", title: huge, lines: Array(100).fill([huge]) } },
    ];
    for (const message of messages) {
      const { text, blocks } = renderMessage(message);
      expect(blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
      expect(text.length).toBeLessThanOrEqual(LIMITS.fallbackText);
      expect(text.length).toBeGreaterThan(0);
      for (const block of blocks) {
        if (block.type === "header") expect(block.text.text.length).toBeLessThanOrEqual(LIMITS.header);
        if (block.type === "section") {
          if (block.text) expect(block.text.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
          expect((block.fields ?? []).length).toBeLessThanOrEqual(LIMITS.fields);
          for (const field of block.fields ?? []) expect(field.text.length).toBeLessThanOrEqual(LIMITS.fieldText);
        }
        if (block.type === "context") for (const element of block.elements) if ("text" in element) expect(element.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
      }
      // Truncation never leaves half an escape or half a piece of markup behind.
      for (const { text: t } of textsOf(blocks)) {
        expect(t).not.toMatch(/&[a-z]*…/);
        expect(t).not.toMatch(/<[^>]*…$/);
      }
    }
  });

  it("always has a plain-text fallback", () => {
    const bare = renderRunCard(buildRunCard({ runId: RUN_ID, setId: SET_ID, verdict: "running" }));
    expect(bare.text).toBe(`:hourglass_flowing_sand: ${SET_ID}: running (run ${RUN_ID})`);
  });
});

describe("escaping and truncation helpers", () => {
  it("escapes Slack's control characters and defuses bare broadcasts", () => {
    expect(escapeText("a & b < c > d")).toBe("a &amp; b &lt; c &gt; d");
    expect(escapeText("hey @channel and @here")).toBe("hey @\u2060channel and @\u2060here");
  });
  it("never cuts inside an entity, markup or a surrogate pair", () => {
    expect(truncateMrkdwn("abc &amp; def", 8)).toBe("abc …");
    expect(truncateMrkdwn("hi <@U123ABC> there", 10)).toBe("hi …");
    expect(truncateMrkdwn("ab😀cd", 4)).toBe("ab…");
    expect(truncateMrkdwn("see `some long code` here", 12)).toBe("see …");
  });
});

describe("terminal chat", () => {
  it("prints the same content as the blocks and shows an edit as an edit of the same message", async () => {
    const out: string[] = [];
    const chat = new TerminalChat({ write: (text) => out.push(text) });
    const ref = await chat.post("C0RUNS", { kind: "run", card: buildRunCard({ runId: RUN_ID, setId: SET_ID, verdict: "running", setName: "Checkout <flows>" }) });
    await chat.update(ref, { kind: "run", card: buildRunCard(facts(summary({ setName: "Checkout <flows>" }))) });
    expect(out[0]).toMatch(/#C0RUNS · message #1 · new message/);
    expect(out[0]).toContain("⏳ CHECKOUT <FLOWS>");
    expect(out[1]).toMatch(/#C0RUNS · message #1 · updated in place/);
    expect(out[1]).toContain("❌ CHECKOUT <FLOWS>");
    expect(out[1]).toContain("Unit tests passed: 2 of 3");
    expect(out[1]).toContain("[Re-run]");
    expect(chat.messages.get(ref.ts)?.edits).toBe(1);
    expect(messageToPlain(renderRunCard(buildRunCard(facts(summary()))))).toContain("Guest checkout with a saved card");
  });
});

describe("why it failed, trend and flaky tests", () => {
  const tone = { type: "categorical" as const, expected_values: ["friendly", "neutral"] };
  const csat = { type: "numerical" as const, verb: ">=" as const, threshold: 4 };
  const judgedTest = (name: string, i = 0, justification = "The customer had to repeat the problem three times.", repetitions = 3): FailingUnitTest => ({
    unitTestId: `66${String(i).padStart(22, "0")}`,
    name,
    repetitions,
    failingMetrics: [
      { metricId: `m-csat-${i}`, criterionName: "Customer satisfaction at least 4", criterion: ">= 4", successCriterion: csat, failedRuns: repetitions, evaluatedRuns: repetitions,
        reasons: Array.from({ length: repetitions }, (_, runIndex) => ({ runIndex, value: 3 - (runIndex % 3), justification: `${justification} (${runIndex})` })) },
      { metricId: `m-tone-${i}`, criterionName: "Tone is friendly or neutral", criterion: "is one of friendly, neutral", successCriterion: tone, failedRuns: 1, evaluatedRuns: repetitions,
        reasons: [{ runIndex: 1, value: "rude", justification: "The agent snapped." }] },
    ],
    runErrors: [],
  });

  it("shows the first reason of each failing test in one line on the card, with the value against the criterion and no metric id", () => {
    const card = buildRunCard(facts(summary({ failingUnitTests: [judgedTest("Double charge on renewal")] })));
    const text = allText(renderRunCard(card).blocks);
    expect(text).toContain("↳ Customer satisfaction at least 4, repetition 1 of 3: scored 3, needs &gt;= 4 — “The customer had to repeat the problem three times. (0)”");
    expect(text).not.toContain("(1)”");
    expect(text).not.toContain("m-csat-0");
  });

  it("names a metric by id only where Amigo gave no name", () => {
    const unnamed = { ...failing("Unnamed"), failingMetrics: [{ metricId: "695b7d904226fdec94000006", criterionName: "695b7d904226fdec94000006", failedRuns: 1, evaluatedRuns: 2 }] };
    expect(allText(renderRunCard(buildRunCard(facts(summary({ failingUnitTests: [unnamed] })))).blocks)).toContain("metric `695b7d904226fdec94000006`, failed 1 of 2 runs");
  });

  it("lists every reason in the Why it failed reply, the category as code", () => {
    const why = whyItFailed(facts(summary({ failingUnitTests: [judgedTest("Chargeback threat")] })))!;
    const text = allText(renderMessage({ kind: "why", why }).blocks);
    for (const runIndex of [0, 1, 2]) expect(text).toContain(`repetition ${runIndex + 1} of 3: scored ${3 - runIndex}, needs &gt;= 4 — “The customer had to repeat the problem three times. (${runIndex})”`);
    expect(text).toContain("repetition 2 of 3: was `rude`, expected one of friendly, neutral — “The agent snapped.”");
  });

  it("posts no Why it failed reply when it would add nothing to the card", () => {
    expect(whyItFailed(facts(summary()))).toBeUndefined();
  });

  it("keeps a run with 60 failing unit tests within Block Kit limits, pointing to summary.md for the rest", () => {
    const long = "The agent asked for the order number again although the customer had given it twice, then read out the refund policy. ".repeat(4);
    const many = summary({ failingUnitTests: Array.from({ length: 60 }, (_, i) => judgedTest(`Failing test ${i + 1}`, i, long, 5)) });
    for (const message of [{ kind: "run" as const, card: buildRunCard(facts(many)) }, { kind: "why" as const, why: whyItFailed(facts(many))! }]) {
      const { text, blocks } = renderMessage(message);
      expect(blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
      expect(text.length).toBeLessThanOrEqual(LIMITS.fallbackText);
      for (const { text: t } of textsOf(blocks)) expect(t.length).toBeLessThanOrEqual(LIMITS.sectionText);
    }
    const reply = allText(renderMessage({ kind: "why", why: whyItFailed(facts(many))! }).blocks);
    expect(reply).toContain("1. *Failing test 1*");
    expect(reply).toContain("repetition 5 of 5: scored 2");
    expect(reply).toMatch(/and \d+ more failing unit tests; the run's summary.md in the archive has every reason in full/);
    // Justifications are cut at a sentence, never mid-word.
    expect(reply).toContain("refund policy.”");
  });

  it("shows the pass-rate sparkline, the change from the previous run, and flaky tests apart", () => {
    const trend = { points: [3, 3, 2].map((passed, i) => ({ runId: `r${i}`, createdAt: "", passed, total: 3 })) };
    const flaky = [{ unitTestId: "u1", name: "Chargeback threat", failing: true, withinRun: { failed: 1, repetitions: 2 } }];
    const card = buildRunCard(facts(summary({ trend, flaky, failingUnitTests: [{ ...failing("Chargeback threat"), flaky: true }] })));
    const text = allText(renderRunCard(card).blocks);
    expect(text).toContain("*Unit tests passed, last 3 finished runs*  ██▆  2 of 3, down from 3 of 3");
    expect(text).toContain(":large_yellow_circle: *Flaky*, failures may be noise: Chargeback threat (1 of 2 repetitions failed)");
    expect(text).toContain("*Chargeback threat* · _flaky_");
  });

  it("gives times as Slack date tokens, and the terminal shows them in local time", () => {
    const card = buildRunCard({ runId: RUN_ID, setId: SET_ID, verdict: "running", setName: "Checkout flows", createdAt: "2026-04-01T12:00:00.000Z" });
    const slack = renderRunCard(card);
    const seconds = Date.parse("2026-04-01T12:00:00.000Z") / 1000;
    expect(allText(slack.blocks)).toContain(`<!date^${seconds}^{date_short_pretty} {time}|2026-04-01 12:00 UTC>`);
    const local = new Date("2026-04-01T12:00:00.000Z");
    const hhmm = `${String(local.getHours()).padStart(2, "0")}:${String(local.getMinutes()).padStart(2, "0")}`;
    expect(messageToPlain(slack)).toMatch(new RegExp(`Started: Apr ${local.getDate()}(?: 2026)?, ${hhmm}`));
    expect(messageToPlain(slack)).not.toContain("2026-04-01T12:00");
  });
});
