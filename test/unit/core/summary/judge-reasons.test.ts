import { describe, expect, it } from "vitest";
import type { MetricEvaluationResult } from "../../../../functions/core/model/amigo-model.js";
import { briefJustification, findingOf, reasonsFor, repetitionText, resultsById } from "../../../../functions/core/summary/judge-reasons.js";
import { summarizeRun } from "../../../../functions/core/summary/summary.js";
import { result, run, spec } from "../../../support/run-fixtures.js";

function judged(id: string, runIndex: number, value: MetricEvaluationResult["result"], justification: string): MetricEvaluationResult {
  return {
    id,
    org_id: "acme",
    metric_id: "m-score",
    metric_version: 1,
    result: value,
    justification,
    source: { type: "simulation", simulation_unit_test_set_run_id: "r", unit_test_id: "ut-refund", run_index: runIndex, references: [] },
  };
}

describe("what the judge gave, against the criterion", () => {
  it("says a score against its threshold", () => {
    expect(findingOf({ type: "numerical", verb: ">=", threshold: 4 }, 3)).toEqual(["scored 3, needs >= 4"]);
    expect(findingOf({ type: "numerical", verb: "<=", threshold: 8 }, 11)).toEqual(["scored 11, needs <= 8"]);
  });
  it("says a category against the expected ones, the value as code", () => {
    expect(findingOf({ type: "categorical", expected_values: ["friendly", "neutral"] }, "rude")).toEqual(["was ", { code: "rude" }, ", expected one of friendly, neutral"]);
    expect(findingOf({ type: "categorical", expected_values: ["calm"] }, "rude")).toEqual(["was ", { code: "rude" }, ", expected calm"]);
  });
  it("says a boolean against the expected one", () => {
    expect(findingOf({ type: "boolean", expected_value: true }, false)).toEqual(["was false, expected true"]);
  });
  it("says so when the judge gave no value, and shows a value plainly when the criterion is unknown", () => {
    expect(findingOf({ type: "numerical", verb: ">=", threshold: 4 }, null)).toEqual(["gave no value, needs >= 4"]);
    expect(findingOf(undefined, 2)).toEqual(["was ", { code: "2" }]);
  });
  it("counts repetitions from 1", () => {
    expect(repetitionText(0, 2)).toBe("repetition 1 of 2");
    expect(repetitionText(2, undefined)).toBe("repetition 3");
  });
});

describe("briefJustification", () => {
  it("keeps a short justification whole", () => {
    expect(briefJustification("  The agent was  rude. ")).toBe("The agent was rude.");
  });
  it("cuts a long one after the last sentence that fits in 300 characters", () => {
    const first = `The customer asked about a double charge ${"and waited ".repeat(12)}for an answer.`;
    const text = `${first} ${"Then the agent read out the whole policy. ".repeat(10)}`;
    const brief = briefJustification(text);
    expect(brief.length).toBeLessThanOrEqual(300);
    expect(brief).toMatch(/policy\.$/);
    expect(text.startsWith(brief)).toBe(true);
  });
  it("cuts a long sentence at a word, with an ellipsis", () => {
    const brief = briefJustification("word ".repeat(100));
    expect(brief.length).toBeLessThanOrEqual(300);
    expect(brief).toMatch(/word…$/);
  });
});

describe("the judge's reasons in a summary", () => {
  const failedRun = run({
    failed_metrics: true,
    unit_test_run_specs: [spec("ut-refund", [{ id: "m-score", name: "Empathy score", threshold: 4 }])],
    unit_test_run_results: [result("ut-refund", { "m-score": [false, false] })],
  });
  const results = [judged("m-score-eval-1", 1, 2, "Second time round the agent interrupted."), judged("m-score-eval-0", 0, 3, "The agent never said sorry.")];

  it("attaches each failing repetition's value and justification, by evaluation id, in repetition order", () => {
    const evaluation = failedRun.unit_test_run_results[0]!.metric_evaluation_results[0]!;
    expect(reasonsFor(evaluation, resultsById({ results })!)).toEqual([
      { evaluationId: "m-score-eval-0", runIndex: 0, value: 3, justification: "The agent never said sorry." },
      { evaluationId: "m-score-eval-1", runIndex: 1, value: 2, justification: "Second time round the agent interrupted." },
    ]);
    const summary = summarizeRun(failedRun, { judge: { results } });
    expect(summary.failingUnitTests[0]?.failingMetrics[0]?.reasons).toHaveLength(2);
    expect(summary.notes).toEqual([]);
  });

  it("says when the reasons could not be read, and shows none rather than guessing", () => {
    const summary = summarizeRun(failedRun, { judge: { unavailable: "simwatch's Amigo API key may not read metric evaluation results." } });
    expect(summary.failingUnitTests[0]?.failingMetrics[0]?.reasons).toBeUndefined();
    expect(summary.notes).toContain("simwatch's Amigo API key may not read metric evaluation results.");
  });

  it("notes failing evaluations Amigo has no reason for", () => {
    const summary = summarizeRun(failedRun, { judge: { results: results.slice(0, 1) } });
    expect(summary.failingUnitTests[0]?.failingMetrics[0]?.reasons).toHaveLength(1);
    expect(summary.notes.join(" ")).toContain("no judge's score or reason for some failing evaluations");
  });
});
