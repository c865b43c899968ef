/**
 * JUnit XML for CI systems' test reports (GitHub, GitLab, Jenkins): a `<testsuite>` per run,
 * named by its set and run id, a `<testcase>` per unit test, a `<failure>` per failing unit
 * test naming each failing metric, its criterion, how often it failed, and the judge's value
 * and justification (when Amigo let simwatch read them), an `<error>` for a unit test whose
 * runs errored, and for a run that errored, was cancelled or was still running at the timeout.
 * It follows Ant's JUnit format as its common schema states it: every suite has id, package,
 * hostname, timestamp (no zone), counts, properties, system-out and system-err.
 */
import { reasonText } from "../summary/summary-markdown.js";
import type { FailingMetric, FailingUnitTest, RunSummary } from "../summary/summary-model.js";
import type { Verdict } from "../model/verdict.js";

/** One run as the gate saw it: its summary, every unit test it has, and whether time ran out. */
export interface GateRun {
  runId: string;
  setId: string;
  setName: string;
  verdict: Verdict;
  summary?: RunSummary;
  /** Every unit test of the run, in the set's order (passing ones too); `finished` once it has a result. */
  unitTests: { id: string; name: string; finished: boolean }[];
  timedOut: boolean;
  /** Seconds from the run's creation to when the gate saw it end (or gave up). */
  seconds: number;
}

const escapeXml = (text: string) =>
  // Characters XML 1.0 cannot carry at all are dropped; the rest escaped.
  text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");

const attributes = (values: Record<string, string | number>) =>
  Object.entries(values)
    .map(([name, value]) => ` ${name}="${escapeXml(String(value))}"`)
    .join("");

/**
 * "Customer satisfaction at least 4 (metric m-csat): criterion >= 4, failed 2 of 3 runs", then
 * what the judge gave and why, when the summary has it: each reason in full (`full`), or the
 * first one, its justification cut short (a failure's message).
 */
export function failingMetricText(metric: FailingMetric, repetitions: number | undefined, full: boolean): string {
  const criterion = metric.criterion ? `criterion ${metric.criterion}, ` : "criterion not visible to this API key, ";
  const head = `${metric.criterionName} (metric ${metric.metricId}): ${criterion}failed ${metric.failedRuns} of ${metric.evaluatedRuns} runs`;
  const reasons = full ? (metric.reasons ?? []) : (metric.reasons ?? []).slice(0, 1);
  return [head, ...reasons.map((reason) => reasonText(metric, reason, repetitions, full ? undefined : 200))].join(full ? "\n  " : "; ");
}

function failingTestElement(test: FailingUnitTest): string {
  const metrics = test.failingMetrics.map((metric) => failingMetricText(metric, test.repetitions, true));
  if (test.runErrors.length > 0) {
    const body = [...test.runErrors.map((error) => `run error: ${error}`), ...metrics].join("\n");
    return `<error${attributes({ type: "run_error", message: test.runErrors[0] ?? "run error" })}>${escapeXml(body)}</error>`;
  }
  const brief = test.failingMetrics.map((metric) => failingMetricText(metric, test.repetitions, false));
  const message = brief.length > 0 ? brief.join(" | ") : "failed (no failing metric is visible to this API key)";
  return `<failure${attributes({ type: "metric", message })}>${escapeXml(metrics.join("\n"))}</failure>`;
}

const RUN_PROBLEMS: Partial<Record<Verdict, string>> = {
  errored: "Amigo marked the run as errored",
  cancelled: "the run was cancelled",
};

/** A testcase for the run as a whole, when something about the run itself went wrong. */
function runProblem(run: GateRun): string | undefined {
  if (run.timedOut) return `<error${attributes({ type: "timeout", message: `still running when the gate's time ran out, after ${run.seconds} s` })}/>`;
  const problem = RUN_PROBLEMS[run.verdict];
  const errorsOnTests = (run.summary?.runErrors.length ?? 0) > 0;
  if (problem && !(run.verdict === "errored" && errorsOnTests)) return `<error${attributes({ type: run.verdict, message: problem })}/>`;
  if (run.verdict === "failed" && run.unitTests.length === 0) return `<failure${attributes({ type: "metric", message: "the run failed metrics; its unit tests are not visible to this API key" })}/>`;
  return undefined;
}

interface SuiteCounts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function suite(run: GateRun, index: number, context: { hostname: string; timestamp: string }): string {
  const failing = new Map((run.summary?.failingUnitTests ?? []).map((test) => [test.unitTestId, test]));
  const counts: SuiteCounts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  const cases: string[] = [];
  const testcase = (name: string, inner: string) => {
    counts.tests++;
    if (inner.startsWith("<failure")) counts.failures++;
    if (inner.startsWith("<error")) counts.errors++;
    if (inner.startsWith("<skipped")) counts.skipped++;
    cases.push(`    <testcase${attributes({ name, classname: run.setName, time: 0 })}>${inner}</testcase>`);
  };
  for (const test of run.unitTests) {
    const failed = failing.get(test.id);
    if (failed) testcase(test.name, failingTestElement(failed));
    else if (!test.finished) testcase(test.name, `<skipped${attributes({ message: "no result: the run did not finish it" })}/>`);
    else testcase(test.name, "");
  }
  const problem = runProblem(run);
  if (problem) testcase(`${run.setName}: the run`, problem);

  const out = [
    `Run ${run.runId} of ${run.setName} (set ${run.setId}): ${run.timedOut ? "still running at the timeout" : run.verdict}.`,
    ...(run.summary?.notes ?? []),
  ].join("\n");
  const xml = [
    `  <testsuite${attributes({
      name: `${run.setName} (run ${run.runId})`,
      package: "simwatch",
      id: index,
      hostname: context.hostname,
      timestamp: context.timestamp,
      tests: counts.tests,
      failures: counts.failures,
      errors: counts.errors,
      skipped: counts.skipped,
      time: run.seconds,
    })}>`,
    "    <properties>",
    ...Object.entries({ "simwatch.run_id": run.runId, "simwatch.set_id": run.setId, "simwatch.set_name": run.setName, "simwatch.verdict": run.timedOut ? "timed_out" : run.verdict }).map(
      ([name, value]) => `      <property${attributes({ name, value })}/>`,
    ),
    "    </properties>",
    ...cases,
    `    <system-out>${escapeXml(out)}</system-out>`,
    "    <system-err></system-err>",
    "  </testsuite>",
  ].join("\n");
  return xml;
}

/** The report; `startedAt` is when the gate started (the suites' timestamp, in UTC, without a zone). */
export function junitXml(runs: readonly GateRun[], context: { hostname: string; startedAt: Date }): string {
  const timestamp = context.startedAt.toISOString().replace(/\.\d{3}Z$/, "");
  const suites = runs.map((run, index) => suite(run, index, { hostname: context.hostname || "localhost", timestamp }));
  // No attributes on <testsuites>: the strictest form of the schema has none (readers add the suites up).
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    "<testsuites>",
    ...suites,
    "</testsuites>",
    "",
  ].join("\n");
}
