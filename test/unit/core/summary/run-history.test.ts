import { describe, expect, it } from "vitest";
import type { Run } from "../../../../functions/core/model/amigo-model.js";
import { flakyTests, historyWindow, sparkline, trendChange, trendOf } from "../../../../functions/core/summary/run-history.js";
import { baselineOf, previousOutcomeOf, summarizeRun } from "../../../../functions/core/summary/summary.js";
import { fakeId, result, run, spec } from "../../../support/run-fixtures.js";

const specs = [spec("ut-a", [{ id: "m1", name: "Resolved" }]), spec("ut-b", [{ id: "m1", name: "Resolved" }]), spec("ut-c", [{ id: "m1", name: "Resolved" }])];
const names = new Map([
  ["ut-a", "Greets the customer"],
  ["ut-b", "Refund over limit"],
  ["ut-c", "Changes address"],
]);
const nameOf = (id: string) => names.get(id) ?? id;

/** A finished run at `minute` whose unit tests pass (true) or fail (false) on both repetitions. */
function finished(minute: number, outcomes: Record<string, boolean | [boolean, boolean]>): Run {
  const seconds = 1_780_000_000 + minute * 60;
  return run({
    id: fakeId(seconds),
    created_at: new Date(seconds * 1000).toISOString(),
    failed_metrics: Object.values(outcomes).some((outcome) => outcome !== true),
    unit_test_run_specs: specs.filter((s) => s.unit_test_id in outcomes),
    unit_test_run_results: Object.entries(outcomes).map(([id, outcome]) => result(id, { m1: Array.isArray(outcome) ? outcome : [outcome, outcome] })),
  });
}

describe("the set's trend", () => {
  it("draws the unit-test pass rate of a known history as a sparkline, oldest first", () => {
    const history = [
      finished(1, { "ut-a": false, "ut-b": false, "ut-c": false }),
      finished(2, { "ut-a": true, "ut-b": false, "ut-c": false }),
      finished(3, { "ut-a": true, "ut-b": true, "ut-c": false }),
      finished(4, { "ut-a": true, "ut-b": true, "ut-c": true }),
    ];
    const trend = trendOf(historyWindow(history[3]!, [...history].reverse()));
    expect(trend.points.map((point) => `${point.passed}/${point.total}`)).toEqual(["0/3", "1/3", "2/3", "3/3"]);
    expect(sparkline(trend.points)).toBe("▁▃▆█");
    expect(trendChange(trend)).toBe("3 of 3, up from 2 of 3");
  });

  it("says down, the same, or that there is nothing to compare with", () => {
    const point = (passed: number, total = 3) => ({ runId: fakeId(), createdAt: "", passed, total });
    expect(trendChange({ points: [point(3), point(2)] })).toBe("2 of 3, down from 3 of 3");
    expect(trendChange({ points: [point(2), point(2)] })).toBe("2 of 3, as in the previous run");
    expect(trendChange({ points: [point(1)] })).toBe("1 of 3, no earlier finished run to compare with");
  });

  it("looks back from the run itself: later runs left out, at most 10, the run last even when Amigo's list lacks it", () => {
    const runs = Array.from({ length: 14 }, (_, i) => finished(i, { "ut-a": true }));
    const current = runs[11]!;
    const window = historyWindow(current, runs.filter((r) => r !== current));
    expect(window).toHaveLength(10);
    expect(window.at(-1)).toBe(current);
    expect(window[0]).toBe(runs[2]);
  });
});

describe("flaky unit tests", () => {
  it("calls a test flaky when some repetitions passed and others failed in this run, and not when all failed", () => {
    const mixed = finished(1, { "ut-a": [true, false], "ut-b": false, "ut-c": true });
    expect(flakyTests(mixed, undefined, nameOf)).toEqual([
      { unitTestId: "ut-a", name: "Greets the customer", failing: true, withinRun: { failed: 1, repetitions: 2 } },
    ]);
  });

  it("does not call a test flaky because a repetition errored", () => {
    const errored = run({ unit_test_run_specs: specs.slice(0, 1), unit_test_run_results: [result("ut-a", { m1: [true] }, [null, "persona timed out"])] });
    expect(flakyTests(errored, undefined, nameOf)).toEqual([]);
  });

  it("calls a test flaky when its outcome changed at least twice over the set's last finished runs", () => {
    const history = [finished(1, { "ut-a": true, "ut-b": true }), finished(2, { "ut-a": false, "ut-b": false }), finished(3, { "ut-a": true, "ut-b": false })];
    const flaky = flakyTests(history[2]!, history, nameOf);
    expect(flaky).toEqual([{ unitTestId: "ut-a", name: "Greets the customer", failing: false, acrossRuns: { changes: 2, runs: 3 } }]);
  });

  it("keeps flaky tests out of newly failing, and lists them apart", () => {
    const history = [finished(1, { "ut-a": false, "ut-b": true }), finished(2, { "ut-a": true, "ut-b": true }), finished(3, { "ut-a": false, "ut-b": false })];
    const summary = summarizeRun(history[2]!, { unitTestNames: names, previous: previousOutcomeOf(history[1]!), history });
    expect(summary.diff?.newlyFailing).toEqual(["Refund over limit"]);
    expect(summary.flaky?.map((test) => test.name)).toEqual(["Greets the customer"]);
    expect(summary.failingUnitTests.find((test) => test.unitTestId === "ut-a")?.flaky).toBe(true);
    expect(summary.trend?.points.map((point) => point.passed)).toEqual([1, 2, 0]);
  });
});

describe("the baseline of Since the previous run", () => {
  it("is the run before this one in the same history as the trend, not the run simwatch remembered", () => {
    const remembered = finished(1, { "ut-a": false, "ut-b": false });
    const history = [finished(5, { "ut-a": true, "ut-b": false }), finished(6, { "ut-a": false, "ut-b": false })];
    const summary = summarizeRun(history[1]!, { unitTestNames: names, previous: previousOutcomeOf(remembered), history });
    expect(summary.diff).toEqual({ previousRunId: history[0]!.id, newlyFailing: ["Greets the customer"], fixed: [], stillFailing: ["Refund over limit"] });
    expect(summary.trend?.points.at(-2)?.runId).toBe(summary.diff?.previousRunId);
  });

  it("is none when the history has no earlier run, whatever simwatch remembered (a fresh simulator after an earlier npm start)", () => {
    const remembered = finished(1, { "ut-a": false, "ut-b": false });
    const current = finished(9, { "ut-a": false, "ut-b": false });
    const summary = summarizeRun(current, { unitTestNames: names, previous: previousOutcomeOf(remembered), history: [current] });
    expect(summary.diff).toBeUndefined();
    expect(summary.trend?.points).toHaveLength(1);
  });

  it("skips an earlier run Amigo withheld the details of, as the trend does", () => {
    const before = finished(2, { "ut-a": true });
    const thinned = run({ id: fakeId(1_780_000_000 + 180), created_at: new Date((1_780_000_000 + 180) * 1000).toISOString() });
    const current = finished(4, { "ut-a": false });
    const window = historyWindow(current, [thinned, before]);
    expect(baselineOf(current, window, undefined)?.runId).toBe(before.id);
    expect(trendOf(window).points.at(-2)?.runId).toBe(before.id);
  });

  it("falls back to the remembered run only when no history was read, and only when it is older", () => {
    const older = finished(1, { "ut-a": false });
    const current = finished(4, { "ut-a": true });
    const newer = finished(7, { "ut-a": true });
    expect(summarizeRun(current, { unitTestNames: names, previous: previousOutcomeOf(older) }).diff).toEqual({ previousRunId: older.id, newlyFailing: [], fixed: ["Greets the customer"], stillFailing: [] });
    expect(baselineOf(current, undefined, previousOutcomeOf(newer))).toBeUndefined();
    expect(baselineOf(current, undefined, previousOutcomeOf(current))).toBeUndefined();
  });
});
