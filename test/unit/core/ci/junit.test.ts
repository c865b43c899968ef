import { describe, expect, it } from "vitest";
import { EXIT, gateExitCode, gateJson, nextLookMs, parseDuration, unitTestsOf } from "../../../../functions/core/ci/gate.js";
import { type GateRun, junitXml } from "../../../../functions/core/ci/junit.js";
import { summarizeRun } from "../../../../functions/core/summary/summary.js";
import { junitSchemaErrors, suitesOf } from "../../../support/junit.js";
import { result, run, spec } from "../../../support/run-fixtures.js";

const names = new Map([
  ["ut-pass", "Guest checkout"],
  ["ut-fail", "Applies an expired <coupon> & \"code\""],
  ["ut-error", "Changes address"],
  ["ut-pending", "Cancels the order"],
]);

/** A finished run: one unit test passes, one fails a metric, one errored. */
function finishedRun(): GateRun {
  const r = run({
    failed_metrics: true,
    errored: true,
    unit_test_run_specs: [spec("ut-pass", [{ id: "m-ok", name: "Resolved" }]), spec("ut-fail", [{ id: "m-csat", name: "Satisfaction at least 4", threshold: 4 }]), spec("ut-error", [{ id: "m-ok", name: "Resolved" }])],
    unit_test_run_results: [result("ut-pass", { "m-ok": [true, true] }), result("ut-fail", { "m-csat": [false, true] }), result("ut-error", { "m-ok": [true, true] }, ["persona service timed out", null])],
  });
  const summary = summarizeRun(r, { setName: "Checkout & flows", unitTestNames: names, finishedAt: "2026-11-28T10:03:05Z" });
  return { runId: r.id, setId: r.simulation_unit_test_set_id, setName: summary.setName, verdict: summary.verdict, summary, unitTests: unitTestsOf(r, names), timedOut: false, seconds: 185 };
}

/** A run still running when time ran out: one unit test done, one without a result. */
function timedOutRun(): GateRun {
  const r = run({ is_completed: false, unit_test_run_specs: [spec("ut-pass"), spec("ut-pending")], unit_test_run_results: [result("ut-pass", {}), null] });
  const summary = summarizeRun(r, { setName: "Slow set", unitTestNames: names });
  return { runId: r.id, setId: r.simulation_unit_test_set_id, setName: "Slow set", verdict: "running", summary, unitTests: unitTestsOf(r, names), timedOut: true, seconds: 2700 };
}

const report = (runs: GateRun[]) => junitXml(runs, { hostname: "ci-runner-1", startedAt: new Date("2026-11-28T10:00:00.123Z") });

describe("the JUnit report", () => {
  it("validates against the JUnit XML schema", async () => {
    expect(await junitSchemaErrors(report([finishedRun(), timedOutRun()]))).toEqual([]);
    expect(await junitSchemaErrors(report([]))).toEqual([]);
  });

  it("is rejected by the schema when it is not JUnit (the check can fail)", async () => {
    const xml = report([finishedRun()]);
    expect((await junitSchemaErrors(xml.replace(/ hostname="[^"]*"/, ""))).join("\n")).toContain("hostname");
    expect((await junitSchemaErrors(xml.replaceAll("<failure", "<failed").replaceAll("</failure>", "</failed>"))).join("\n")).toContain("failed");
  });

  it("has a testsuite per run, named by set and run id, with the summary's counts", () => {
    const finished = finishedRun();
    const [suite] = suitesOf(report([finished]));
    expect(suite!.name).toBe(`Checkout & flows (run ${finished.runId})`);
    expect(suite!.attributes).toMatchObject({ tests: "3", failures: "1", errors: "1", skipped: "0", time: "185", timestamp: "2026-11-28T10:00:00", hostname: "ci-runner-1" });
    expect(suite!.testcases).toBe(finished.summary!.unitTests!.total);
    expect(suite!.failures + suite!.errors).toBe(finished.summary!.failingUnitTests.length);
    expect(suite!.testcases - suite!.failures - suite!.errors).toBe(finished.summary!.unitTests!.passed);
  });

  it("says in each failure which metric failed, against what criterion, how often", () => {
    const [suite] = suitesOf(report([finishedRun()]));
    expect(suite!.messages).toEqual(["Satisfaction at least 4 (metric m-csat): criterion >= 4, failed 1 of 2 runs", "persona service timed out"]);
  });

  it("gives the judge's value and justification where the summary has them: the first in the message, all in the text", async () => {
    const run = finishedRun();
    const failing = run.summary!.failingUnitTests.find((test) => test.unitTestId === "ut-fail")!;
    failing.repetitions = 2;
    failing.failingMetrics[0]!.successCriterion = { type: "numerical", verb: ">=", threshold: 4 };
    failing.failingMetrics[0]!.reasons = [{ runIndex: 0, value: 2, justification: "The agent refused the refund twice\nand ended the call." }];
    const xml = report([run]);
    expect(await junitSchemaErrors(xml)).toEqual([]);
    expect(suitesOf(xml)[0]!.messages[0]).toBe(
      "Satisfaction at least 4 (metric m-csat): criterion >= 4, failed 1 of 2 runs; repetition 1 of 2: scored 2, needs >= 4. Judge: The agent refused the refund twice and ended the call.",
    );
    expect(xml).toContain("repetition 1 of 2: scored 2, needs &gt;= 4. Judge: The agent refused the refund twice and ended the call.</failure>");
  });

  it("marks a run cut short by the timeout as an error, and its unfinished unit tests as skipped", () => {
    const [suite] = suitesOf(report([timedOutRun()]));
    expect(suite!.attributes).toMatchObject({ tests: "3", errors: "1", skipped: "1", failures: "0" });
    expect(suite!.messages[0]).toContain("still running when the gate's time ran out");
  });
});

describe("the gate's decisions", () => {
  it("read durations as CI people write them", () => {
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("45m")).toBe(45 * 60_000);
    expect(parseDuration("2h")).toBe(2 * 3_600_000);
    expect(parseDuration("1h30m")).toBe(90 * 60_000);
    for (const bad of ["", "45", "0s", "-5m", "1.5h", "10 m", "forever"]) expect(parseDuration(bad), bad).toBeUndefined();
  });

  it("back off between looks from 2 s to at most 30 s", () => {
    const waits: number[] = [];
    let wait: number | undefined;
    for (let i = 0; i < 10; i++) waits.push((wait = nextLookMs(wait)));
    expect(waits.slice(0, 4)).toEqual([2000, 3000, 4500, 6750]);
    expect(Math.max(...waits)).toBe(30_000);
  });

  it("exit 0 when every run passed, 1 when any did not, 3 when time ran out", () => {
    const passed = { ...finishedRun(), verdict: "passed" as const };
    expect(gateExitCode([passed, passed])).toBe(EXIT.passed);
    expect(gateExitCode([passed, finishedRun()])).toBe(EXIT.failed);
    expect(gateExitCode([passed, { ...finishedRun(), verdict: "cancelled" }])).toBe(EXIT.failed);
    expect(gateExitCode([finishedRun(), timedOutRun()])).toBe(EXIT.timeout);
  });

  it("print one JSON object per run: id, set, verdict, counts and the failing unit tests", () => {
    const finished = finishedRun();
    expect(gateJson(finished)).toMatchObject({
      id: finished.runId,
      set: "Checkout & flows",
      verdict: "errored",
      counts: { unitTests: { passed: 1, total: 3 }, runErrors: 1 },
      failingUnitTests: [
        { name: "Applies an expired <coupon> & \"code\"", failingMetrics: [{ criterionName: "Satisfaction at least 4", criterion: ">= 4", failedRuns: 1, evaluatedRuns: 2 }] },
        { name: "Changes address", runErrors: ["persona service timed out"] },
      ],
    });
    expect(gateJson(timedOutRun())).toMatchObject({ verdict: "timed_out" });
  });
});
