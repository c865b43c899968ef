import { describe, expect, it } from "vitest";
import { buildRunCard, type RunFacts, whyItFailed } from "../../../functions/core/notifier/run-card.js";
import type { RunSummary } from "../../../functions/core/summary/summary-model.js";
import { renderMessage, renderRunCard } from "../../../functions/slack/blocks.js";
import { messageToPlain } from "../../../functions/slack/plain-text.js";
import { failing, RUN_ID, SET_ID, summary } from "../../support/summary-fixtures.js";

const BASE = "https://abc.lambda-url.eu-central-1.on.aws/archive/";
const REPORT = `${BASE}${SET_ID}/${RUN_ID}/`;
const archive = { location: "s3://b/runs/x/artifacts.zip", key: `runs/${SET_ID}/${RUN_ID}/artifacts.zip`, size: 2048, sha256: "ab", contentType: "application/zip" };
const facts = (s: RunSummary, extra: Partial<RunFacts> = {}): RunFacts => ({ runId: RUN_ID, setId: SET_ID, verdict: s.verdict, summary: s, ...extra });
type Element = { action_id?: string; url?: string; value?: string; text?: { text: string } };
const buttonsOf = (blocks: unknown[]) => (blocks as { type: string; elements?: Element[] }[]).filter((b) => b.type === "actions").flatMap((b) => b.elements ?? []);

describe("Open report", () => {
  it("is a link button to the run's report once the run is archived, whatever the artifact became", () => {
    const card = renderRunCard(buildRunCard(facts(summary(), { archive }), { archiveWebUrl: BASE }));
    expect(buttonsOf(card.blocks).find((b) => b.action_id === "simwatch_open_report")).toEqual({
      type: "button",
      action_id: "simwatch_open_report",
      text: { type: "plain_text", text: "Open report" },
      url: REPORT,
    });
    const failed = { ...archive, failure: { reason: "404", tries: 5 } };
    expect(buttonsOf(renderRunCard(buildRunCard(facts(summary(), { archive: failed }), { archiveWebUrl: BASE })).blocks).map((b) => b.action_id)).toEqual([
      "simwatch_rerun",
      "simwatch_open_report",
    ]);
  });

  it("is absent before the run is archived, and without an archive browser", () => {
    expect(JSON.stringify(renderRunCard(buildRunCard(facts(summary()), { archiveWebUrl: BASE })).blocks)).not.toContain("simwatch_open_report");
    expect(JSON.stringify(renderRunCard(buildRunCard(facts(summary(), { archive }))).blocks)).not.toContain("simwatch_open_report");
  });

  it("shows in the terminal as the link it opens", () => {
    const text = messageToPlain(renderRunCard(buildRunCard(facts(summary(), { archive }), { archiveWebUrl: "http://127.0.0.1:8787/archive/" })));
    expect(text).toContain(`[Open report] http://127.0.0.1:8787/archive/${SET_ID}/${RUN_ID}/`);
  });

  it("is linked under Why it failed's title, where every reason is in full", () => {
    const many = summary({ failingUnitTests: Array.from({ length: 12 }, (_, i) => failing(`Failing test ${i + 1}`, i)) });
    const why = whyItFailed(facts(many), { archiveWebUrl: BASE })!;
    expect(why.reportUrl).toBe(REPORT);
    const rendered = renderMessage({ kind: "why", why });
    expect(JSON.stringify(rendered.blocks[0])).toContain(`<${REPORT}|Open the run's report> for every reason in full`);
    expect(JSON.stringify(renderMessage({ kind: "why", why: whyItFailed(facts(many))! }).blocks)).not.toContain("Open the run's report");
  });
});
