import { describe, expect, it } from "vitest";
import { previousOutcomeOf, summarizeRun, verdictOf } from "../../../../functions/core/summary/summary.js";
import { summaryMarkdown } from "../../../../functions/core/summary/summary-markdown.js";
import { result, run, spec } from "../../../support/run-fixtures.js";

const names = new Map([
  ["ut-greet", "Greets the customer"],
  ["ut-refund", "Refund over limit"],
  ["ut-address", "Changes address"],
]);

const specs = [
  spec("ut-greet", [{ id: "m-polite", name: "Politeness" }]),
  spec("ut-refund", [{ id: "m-policy", name: "Follows refund policy" }, { id: "m-score", name: "Empathy score", threshold: 4 }]),
  spec("ut-address", [{ id: "m-polite", name: "Politeness" }]),
];

describe("verdictOf", () => {
  it("calls an unfinished run running, whatever its flags say", () => {
    expect(verdictOf(run({ is_completed: false, failed_metrics: true }))).toBe("running");
  });
  it("calls a run cancelled only when simwatch cancelled it", () => {
    expect(verdictOf(run({ errored: true }), true)).toBe("cancelled");
    expect(verdictOf(run({ errored: true }), false)).toBe("errored");
  });
  it("prefers errored over failed, and passes a clean run", () => {
    expect(verdictOf(run({ errored: true, failed_metrics: true }))).toBe("errored");
    expect(verdictOf(run({ failed_metrics: true }))).toBe("failed");
    expect(verdictOf(run())).toBe("passed");
  });
});

describe("summarizeRun", () => {
  const failed = run({
    failed_metrics: true,
    unit_test_run_specs: specs,
    unit_test_run_results: [
      result("ut-greet", { "m-polite": [true, true] }),
      result("ut-refund", { "m-policy": [true, false], "m-score": [false, false] }),
      result("ut-address", { "m-polite": [true, true] }, [null, "Simulator timed out after 10 interactions"]),
    ],
  });

  it("counts unit tests and metric evaluations, and names what failed with its criterion", () => {
    const summary = summarizeRun(failed, { setName: "Checkout flows", unitTestNames: names });
    expect(summary.verdict).toBe("failed");
    expect(summary.setName).toBe("Checkout flows");
    expect(summary.unitTests).toEqual({ passed: 1, total: 3 });
    expect(summary.metricEvaluations).toEqual({ passed: 5, total: 8 });
    expect(summary.failingUnitTests.map((test) => test.name)).toEqual(["Changes address", "Refund over limit"]);
    const refund = summary.failingUnitTests.find((test) => test.unitTestId === "ut-refund");
    expect(refund?.failingMetrics).toEqual([
      { metricId: "m-policy", criterionName: "Follows refund policy", criterion: "is true", successCriterion: { type: "boolean", expected_value: true }, failedRuns: 1, evaluatedRuns: 2 },
      { metricId: "m-score", criterionName: "Empathy score", criterion: ">= 4", successCriterion: { type: "numerical", verb: ">=", threshold: 4 }, failedRuns: 2, evaluatedRuns: 2 },
    ]);
    expect(summary.runErrors).toEqual([
      { unitTestId: "ut-address", unitTestName: "Changes address", message: "Simulator timed out after 10 interactions" },
    ]);
  });

  it("keeps the name of every unit test of the run, passing ones too, for the archive's report", () => {
    const withOthers = new Map([...names, ["ut-elsewhere", "A unit test of another run"]]);
    expect(summarizeRun(failed, { unitTestNames: withOthers }).unitTestNames).toEqual({ "ut-greet": "Greets the customer", "ut-refund": "Refund over limit", "ut-address": "Changes address" });
    expect(summarizeRun(failed).unitTestNames).toBeUndefined();
  });

  it("falls back to ids where names are not available", () => {
    const summary = summarizeRun(failed);
    expect(summary.setName).toBe(failed.simulation_unit_test_set_id);
    expect(summary.failingUnitTests.map((test) => test.name)).toEqual(["ut-address", "ut-refund"]);
  });

  it("shows a running run's progress with pending unit tests", () => {
    const running = run({ is_completed: false, unit_test_run_specs: specs, unit_test_run_results: [result("ut-greet", { "m-polite": [true, true] }), null, null] });
    const summary = summarizeRun(running, { finishedAt: "2026-11-28T10:05:00Z" });
    expect(summary.verdict).toBe("running");
    expect(summary.unitTests).toEqual({ passed: 1, total: 3, pending: 2 });
    expect(summary.finishedAt).toBeUndefined();
  });

  it("says something true about a permission-thinned run", () => {
    const summary = summarizeRun(run({ failed_metrics: true }));
    expect(summary.verdict).toBe("failed");
    expect(summary.unitTests).toBeUndefined();
    expect(summary.metricEvaluations).toBeUndefined();
    expect(summary.notes.join(" ")).toContain("withheld");
    expect(summaryMarkdown(summary)).toContain("Unit tests passed: unknown");
  });

  it("shows failing metrics by id when criteria are hidden", () => {
    const thin = run({
      failed_metrics: true,
      unit_test_run_specs: [{ ...spec("ut-refund"), metrics_to_evaluate: [] }],
      unit_test_run_results: [result("ut-refund", { "m-policy": [false, true] })],
    });
    const summary = summarizeRun(thin);
    expect(summary.failingUnitTests[0]?.failingMetrics[0]).toMatchObject({ criterionName: "m-policy", failedRuns: 1 });
    expect(summary.failingUnitTests[0]?.failingMetrics[0]?.criterion).toBeUndefined();
  });

  it("computes duration from the time simwatch saw the run finish", () => {
    const summary = summarizeRun(run({ created_at: "2026-11-28T10:00:00Z" }), { finishedAt: "2026-11-28T10:03:30Z" });
    expect(summary.durationSeconds).toBe(210);
  });

  it("diffs against the previous finished run: newly failing, fixed, still failing", () => {
    const previous = run({
      created_at: "2026-11-28T09:00:00Z",
      failed_metrics: true,
      unit_test_run_specs: specs,
      unit_test_run_results: [
        result("ut-greet", { "m-polite": [false, true] }),
        result("ut-refund", { "m-policy": [false, false], "m-score": [true, true] }),
        result("ut-address", { "m-polite": [true, true] }),
      ],
    });
    const summary = summarizeRun(failed, { unitTestNames: names, previous: previousOutcomeOf(previous) });
    expect(summary.diff).toEqual({
      previousRunId: previous.id,
      newlyFailing: ["Changes address"],
      fixed: ["Greets the customer"],
      stillFailing: ["Refund over limit"],
    });
  });

  it("notes when simwatch gave up on a run", () => {
    const summary = summarizeRun(run({ is_completed: false }), { gaveUpAfterHours: 48 });
    expect(summary.notes.join(" ")).toContain("stopped watching this run after 48 hours");
  });

  it("writes a markdown summary a person can read", () => {
    const markdown = summaryMarkdown(summarizeRun(failed, { setName: "Checkout flows", unitTestNames: names }), {
      artifactsFile: "artifacts.jsonl",
      size: 1234,
      sha256: "ab".repeat(32),
    });
    expect(markdown).toContain("# Checkout flows: failed");
    expect(markdown).toContain("Empathy score (>= 4): failed 2 of 2 runs");
    expect(markdown).toContain("error: Simulator timed out");
    expect(markdown).toContain("1234 bytes");
  });
});
