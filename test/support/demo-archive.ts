/**
 * A folder archive that looks like a team's after a few weeks: three sets with runs going up and
 * down, the newest run of "Checkout flows" failing with the judge's reasons, a flaky test and a
 * run error. Written through the same code the archiver uses, for the browser tests and the
 * README's screenshots.
 */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSystemArchiveStore } from "../../functions/archive/fs-archive-store.js";
import { FileSystemStateStore } from "../../functions/archive/fs-state-store.js";
import { publishPendingPages, writeReport } from "../../functions/core/archive-pages/publish-pages.js";
import { silentLogger } from "../../functions/core/log.js";
import type { Run, UnitTestRunResult, UnitTestRunSpec } from "../../functions/core/model/amigo-model.js";
import type { FailingUnitTest, RunSummary } from "../../functions/core/summary/summary-model.js";

export const DEMO_PREFIX = "runs/";
const TESTS = ["Guest checkout with a saved card", "Refund after a partial shipment", "Address change mid-order", "Coupon stacking is refused", "Gift card balance question", "Order status in Spanish", "Angry customer asks for a manager", "Cancel before dispatch"];
const METRICS = [
  { id: "m-resolved", name: "Issue resolved", criterion: { type: "boolean" as const, expected_value: true } },
  { id: "m-csat", name: "Customer satisfaction", criterion: { type: "numerical" as const, verb: ">=" as const, threshold: 4 } },
];
const SETS = [
  { id: "695b7d904226fdec94000011", name: "Checkout flows", runs: 40 },
  { id: "695b7d904226fdec9400001f", name: "Refunds & chargebacks", runs: 12 },
  { id: "695b7d904226fdec94000028", name: "Onboarding <beta>", runs: 6 },
];
const REASON =
  "The customer asked twice whether the refund would go back to the original card. The agent explained the returns policy at length but never confirmed the refund method, and closed the conversation before the customer said the question was answered. A satisfied customer would have had a direct answer in the first reply.";

const hex = (value: number, width: number) => value.toString(16).padStart(width, "0");
const runIdOf = (setIndex: number, n: number) => `${hex(1_780_000_000 + n * 86_400 + setIndex * 600, 8)}4226fdec${hex(setIndex * 1000 + n, 8)}`;
const unitTestId = (i: number) => `66a1b2c3d4e5f6a7b8c9${hex(i, 4)}`;

/** Which (test, metric, repetition) fail in the n-th run of a set: fewer as the set improves, with dips. */
function fails(setIndex: number, n: number, test: number, metric: number, repetition: number): boolean {
  if ((n + setIndex) % 3 === 1) return false;
  const weak = (n * 7 + setIndex * 3) % 5 === 0 ? 3 : 1;
  return test < weak && metric === (test % 2) && (repetition + n + test) % 3 !== 1;
}

function runOf(setIndex: number, setId: string, n: number): Run {
  const specs: UnitTestRunSpec[] = TESTS.map((_, i) => ({ unit_test_id: unitTestId(i), run_count: 3, service_hierarchical_state_machine_version_info: ["support", 4], agent_version_info: ["agent", 12], scenario_version_info: null, persona_version_info: null, llm_model_preferences: {}, max_interactions: 20, metrics_to_evaluate: METRICS.map((metric) => ({ metric_id: metric.id, success_criterion_name: metric.name, success_criterion: metric.criterion })) }));
  const results: UnitTestRunResult[] = TESTS.map((_, i) => ({
    unit_test_id: unitTestId(i),
    run_errors: [0, 1, 2].map((r) => (i === 5 && r === 2 && n % 4 === 3 ? "Simulation timed out after 20 interactions" : null)),
    metric_evaluation_results: METRICS.map((metric, m) => ({ metric_id: metric.id, results: [0, 1, 2].map((r) => [`${hex(n, 4)}${i}${m}${r}`, !fails(setIndex, n, i, m, r)] as [string, boolean]) })),
  }));
  const failed = results.some((result) => result.metric_evaluation_results.some((evaluation) => evaluation.results.some(([, passed]) => !passed)));
  return { org_id: "acme", id: runIdOf(setIndex, n), simulation_unit_test_set_id: setId, is_completed: true, failed_metrics: failed, errored: false, artifacts_generated: true, unit_test_run_specs: specs, unit_test_run_results: results, created_at: new Date((1_780_000_000 + n * 86_400 + setIndex * 600) * 1000).toISOString(), creator: { org_id: "acme", user_id: n % 2 ? "maria.lopez" : "ci-nightly" } };
}

function failingTests(run: Run): FailingUnitTest[] {
  return run.unit_test_run_results.flatMap((result, i) => {
    const failing = (result?.metric_evaluation_results ?? []).filter((evaluation) => evaluation.results.some(([, passed]) => !passed));
    if (!result || failing.length === 0) return [];
    return [{
      unitTestId: result.unit_test_id,
      name: TESTS[i] ?? result.unit_test_id,
      repetitions: 3,
      runErrors: [],
      failingMetrics: failing.map((evaluation) => {
        const metric = METRICS.find((candidate) => candidate.id === evaluation.metric_id)!;
        const reasons = evaluation.results.flatMap(([id, passed], runIndex) => (passed ? [] : [{ evaluationId: id, runIndex, value: metric.criterion.type === "numerical" ? 2 : false, justification: REASON }]));
        return { metricId: metric.id, criterionName: metric.name, criterion: metric.criterion.type === "numerical" ? ">= 4" : "is true", successCriterion: metric.criterion, failedRuns: reasons.length, evaluatedRuns: 3, reasons };
      }),
    }];
  });
}

function summaryOf(set: (typeof SETS)[number], run: Run, previous: RunSummary | undefined): RunSummary {
  const failing = failingTests(run);
  const names = failing.map((test) => test.name);
  const before = previous?.failingUnitTests.map((test) => test.name) ?? [];
  const errors = run.unit_test_run_results.flatMap((result, i) => (result?.run_errors ?? []).flatMap((message) => (message ? [{ unitTestId: unitTestId(i), unitTestName: TESTS[i] ?? "", message }] : [])));
  return {
    runId: run.id, setId: set.id, setName: set.name, verdict: failing.length > 0 ? "failed" : "passed", createdAt: run.created_at,
    finishedAt: new Date(Date.parse(run.created_at) + 754_000).toISOString(), durationSeconds: 754, creator: run.creator,
    unitTests: { passed: TESTS.length - failing.length, total: TESTS.length },
    unitTestNames: Object.fromEntries(TESTS.map((name, i) => [unitTestId(i), name])),
    metricEvaluations: { passed: TESTS.length * 6 - failing.reduce((sum, test) => sum + test.failingMetrics.reduce((inner, metric) => inner + metric.failedRuns, 0), 0), total: TESTS.length * 6 },
    runErrors: errors, failingUnitTests: failing,
    ...(previous ? { diff: { previousRunId: previous.runId, newlyFailing: names.filter((name) => !before.includes(name)), fixed: before.filter((name) => !names.includes(name)), stillFailing: names.filter((name) => before.includes(name)) } } : {}),
    flaky: failing.length > 0 ? [{ unitTestId: unitTestId(0), name: TESTS[0] ?? "", failing: true, withinRun: { failed: 2, repetitions: 3 }, acrossRuns: { changes: 4, runs: 10 } }] : [],
    notes: [],
  };
}

export interface DemoArchive {
  root: string;
  /** The newest run of "Checkout flows", failing. */
  featured: { setId: string; runId: string };
}

export async function writeDemoArchive(root?: string): Promise<DemoArchive> {
  const folder = root ?? (await mkdtemp(join(tmpdir(), "simwatch-demo-archive-")));
  const archive = new FileSystemArchiveStore({ root: folder });
  const state = new FileSystemStateStore({ root: folder });
  const options = { archive, state, clock: { now: () => new Date("2026-12-06T09:00:00Z") }, logger: silentLogger, archivePrefix: DEMO_PREFIX };
  let featured = { setId: "", runId: "" };
  for (const [setIndex, set] of SETS.entries()) {
    let previous: RunSummary | undefined;
    for (let n = 0; n < set.runs; n++) {
      const run = runOf(setIndex, set.id, n);
      const summary = summaryOf(set, run, previous);
      const runFolder = join(folder, DEMO_PREFIX, set.id, run.id);
      await mkdir(runFolder, { recursive: true });
      const artifact = `${JSON.stringify({ run: run.id, transcripts: TESTS.length })}\n`;
      await writeFile(join(runFolder, "artifacts.jsonl"), artifact);
      await writeFile(join(runFolder, "run.json"), `${JSON.stringify({ ...run, simwatch: { verdict: summary.verdict, summary } }, null, 2)}\n`);
      await writeFile(join(runFolder, "summary.md"), `# ${set.name}: ${summary.verdict}\n`);
      await writeReport(options, { summary, run, artifacts: { file: "artifacts.jsonl", size: Buffer.byteLength(artifact), sha256: "9f2c1e0b7a4d3c5e8f6a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a", contentType: "application/x-ndjson" }, archivedAt: summary.finishedAt ?? run.created_at });
      await publishPendingPages(options);
      previous = summary;
      if (setIndex === 0 && n === set.runs - 1) featured = { setId: set.id, runId: run.id };
    }
  }
  return { root: folder, featured };
}
