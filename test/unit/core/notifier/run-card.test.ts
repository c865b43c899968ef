import { describe, expect, it } from "vitest";
import { buildRunCard, FACTS_TEXT_KEPT, mergeFacts, summaryForMessages, whyItFailed } from "../../../../functions/core/notifier/run-card.js";
import { bigRunSummary } from "../../../support/big-run.js";
import { failing, RUN_ID, SET_ID, summary } from "../../../support/summary-fixtures.js";

const ids = { runId: RUN_ID, setId: SET_ID };

describe("a run's facts", () => {
  it("never replace a complete summary by one that still awaits the judge's reasons", () => {
    const complete = summary({ notes: ["complete"] });
    const early = summary({ notes: ["early"], awaiting: ["reasons"] });
    const merged = mergeFacts(mergeFacts(undefined, { ...ids, verdict: "failed", summary: complete }), { ...ids, verdict: "failed", summary: early });
    expect(merged.summary?.notes).toEqual(["complete"]);
  });

  it("take a summary that awaits less than the one they have", () => {
    const early = summary({ notes: ["early"], awaiting: ["reasons", "trend"] });
    const later = summary({ notes: ["later"], awaiting: ["trend"] });
    const complete = summary({ notes: ["complete"] });
    let facts = mergeFacts(undefined, { ...ids, verdict: "failed", summary: early });
    facts = mergeFacts(facts, { ...ids, summary: later });
    expect(facts.summary?.notes).toEqual(["later"]);
    facts = mergeFacts(facts, { ...ids, summary: complete });
    expect(facts.summary?.notes).toEqual(["complete"]);
  });

  it("keep every failing test, reason and run error of a huge summary, each text cut to what a message can show", () => {
    const big = bigRunSummary({ failing: 20 });
    const kept = summaryForMessages(big);
    expect(kept.failingUnitTests).toHaveLength(20);
    expect(kept.runErrors).toHaveLength(big.runErrors.length);
    const reasons = kept.failingUnitTests.flatMap((test) => test.failingMetrics.flatMap((metric) => metric.reasons ?? []));
    expect(reasons).toHaveLength(20 * 2 * 3);
    for (const reason of reasons) expect(reason.justification.length).toBe(FACTS_TEXT_KEPT.justification);
    for (const entry of kept.runErrors) expect(entry.message.length).toBeLessThanOrEqual(FACTS_TEXT_KEPT.runError);
    expect(JSON.stringify(kept).length).toBeLessThan(JSON.stringify(big).length / 5);
  });

  it("say the reasons follow while they are read, and hold Why it failed back until they are", () => {
    const early = { ...ids, verdict: "failed" as const, summary: summary({ failingUnitTests: [failing("Double charge")], awaiting: ["reasons"] }) };
    expect(buildRunCard(early).awaitingReasons).toBe(true);
    expect(whyItFailed(early)).toBeUndefined();
    const passed = { ...ids, verdict: "passed" as const, summary: summary({ verdict: "passed", failingUnitTests: [], awaiting: ["reasons"] }) };
    expect(buildRunCard(passed).awaitingReasons).toBe(false);
  });
});
