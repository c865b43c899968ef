/**
 * Runs for the archive's pages: N failing unit tests x repetitions x metrics, with the summary
 * the archiver keeps (full justifications) and the run's per-repetition results, every name full
 * of markup and quotes that must show as text.
 */
import type { Run, UnitTestRunResult, UnitTestRunSpec } from "../../functions/core/model/amigo-model.js";
import type { RunEntry } from "../../functions/core/archive-pages/pages-model.js";
import type { ReportInput } from "../../functions/core/archive-pages/report-page.js";
import type { FailingUnitTest } from "../../functions/core/summary/summary-model.js";
import { longText } from "./big-run.js";
import { RUN_ID, SET_ID, summary } from "./summary-fixtures.js";

/** Markup, quotes and entities: a page that shows this as text escaped it. */
export const HOSTILE = `<b data-injected="1">bold</b> "double" 'single' & <script>alert(1)</script> <img src=x onerror="alert(2)"> &amp;`;

export interface ReportShape {
  failing?: number;
  passing?: number;
  repetitions?: number;
  metrics?: number;
  justificationChars?: number;
}

const unitTestId = (i: number) => `66${String(i).padStart(22, "0")}`;
const metricId = (m: number) => `m${m}`;

function specOf(i: number, shape: Required<ReportShape>): UnitTestRunSpec {
  return {
    unit_test_id: unitTestId(i),
    run_count: shape.repetitions,
    service_hierarchical_state_machine_version_info: ["svc", 1],
    agent_version_info: ["agent", 1],
    scenario_version_info: null,
    persona_version_info: null,
    llm_model_preferences: {},
    max_interactions: 10,
    metrics_to_evaluate: Array.from({ length: shape.metrics }, (_, m) => ({
      metric_id: metricId(m),
      success_criterion_name: `Metric ${m} ${HOSTILE}`,
      success_criterion: { type: "numerical" as const, verb: ">=" as const, threshold: 4 },
    })),
  };
}

/** A failing test fails metric 0 on every repetition and metric 1 on the first one. */
function resultOf(i: number, failing: boolean, shape: Required<ReportShape>): UnitTestRunResult {
  return {
    unit_test_id: unitTestId(i),
    run_errors: Array.from({ length: shape.repetitions }, () => null),
    metric_evaluation_results: Array.from({ length: shape.metrics }, (_, m) => ({
      metric_id: metricId(m),
      results: Array.from({ length: shape.repetitions }, (_, r) => [`e-${i}-${m}-${r}`, !(failing && (m === 0 || (m === 1 && r === 0)))] as [string, boolean]),
    })),
  };
}

function failingTest(i: number, shape: Required<ReportShape>): FailingUnitTest {
  const metric = (m: number, reps: number[]) => ({
    metricId: metricId(m),
    criterionName: `Metric ${m} ${HOSTILE}`,
    criterion: ">= 4",
    successCriterion: { type: "numerical" as const, verb: ">=" as const, threshold: 4 },
    failedRuns: reps.length,
    evaluatedRuns: shape.repetitions,
    reasons: reps.map((r) => ({ evaluationId: `e-${i}-${m}-${r}`, runIndex: r, value: 2, justification: `${HOSTILE} ${longText(shape.justificationChars - HOSTILE.length - 9, `${i}.${m}.${r}`)} END-${i}-${m}-${r}`.slice(-shape.justificationChars) })),
  });
  return {
    unitTestId: unitTestId(i),
    name: `Refund ${i} ${HOSTILE}`,
    repetitions: shape.repetitions,
    failingMetrics: [metric(0, Array.from({ length: shape.repetitions }, (_, r) => r)), metric(1, [0])],
    runErrors: [],
  };
}

export function reportInput(given: ReportShape = {}, trend: RunEntry[] = []): ReportInput & { run: Run } {
  const shape: Required<ReportShape> = { failing: 60, passing: 5, repetitions: 5, metrics: 4, justificationChars: 10_000, ...given };
  const total = shape.failing + shape.passing;
  const ids = Array.from({ length: total }, (_, i) => i);
  const failingUnitTests = ids.slice(0, shape.failing).map((i) => failingTest(i, shape));
  const run: Run = {
    org_id: "acme",
    id: RUN_ID,
    simulation_unit_test_set_id: SET_ID,
    is_completed: true,
    failed_metrics: shape.failing > 0,
    errored: false,
    artifacts_generated: true,
    unit_test_run_specs: ids.map((i) => specOf(i, shape)),
    unit_test_run_results: ids.map((i) => resultOf(i, i < shape.failing, shape)),
    created_at: "2026-04-01T12:00:00.000Z",
    creator: { org_id: "acme", user_id: `svc ${HOSTILE}` },
  };
  const names = failingUnitTests.map((test) => test.name);
  const unitTestNames = Object.fromEntries(ids.map((i) => [unitTestId(i), i < shape.failing ? `Refund ${i} ${HOSTILE}` : `Greeting ${i} ${HOSTILE}`]));
  const runSummary = summary({
    unitTestNames,
    setName: `Checkout ${HOSTILE}`,
    verdict: shape.failing > 0 ? "failed" : "passed",
    creator: run.creator,
    unitTests: { passed: shape.passing, total },
    metricEvaluations: { passed: total * shape.metrics * shape.repetitions - shape.failing * (shape.repetitions + 1), total: total * shape.metrics * shape.repetitions },
    failingUnitTests,
    runErrors: [{ unitTestId: unitTestId(0), unitTestName: names[0] ?? "", message: `Timed out ${HOSTILE}` }],
    diff: { previousRunId: "65f0000000000000000000ff", newlyFailing: names.slice(0, 3), fixed: [`Fixed ${HOSTILE}`], stillFailing: names.slice(3) },
    flaky: [{ unitTestId: unitTestId(1), name: names[1] ?? "", failing: true, withinRun: { failed: 1, repetitions: shape.repetitions } }],
    notes: [`Note ${HOSTILE}`],
  });
  return {
    summary: runSummary,
    run,
    artifacts: { file: "artifacts.zip", size: 123_456, sha256: "ab".repeat(32), contentType: "application/zip" },
    archivedAt: "2026-04-01T12:05:00.000Z",
    trend: trend.length > 0 ? trend : trendEntries(30),
  };
}

/** `count` runs of a set, oldest first, the pass rate moving up and down. */
export function trendEntries(count: number, startSeconds = 1_775_000_000): RunEntry[] {
  return Array.from({ length: count }, (_, i) => {
    const created = new Date((startSeconds + i * 3600) * 1000).toISOString();
    const passed = 40 + ((i * 7) % 25);
    return { runId: `${(startSeconds + i * 3600).toString(16).padStart(8, "0")}${String(i).padStart(16, "0")}`, createdAt: created, verdict: passed === 65 ? "passed" : "failed", passed, total: 65, archivedAt: created };
  });
}
