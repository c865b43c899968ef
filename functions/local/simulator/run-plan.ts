/**
 * A run, decided in full the moment it starts: which unit test finishes when, which
 * metric evaluations fail, where it errors. What the API shows at any instant is then a
 * pure function of the plan and the clock (run-view.ts), so advancing time is free.
 */
import type { MetricToEvaluate, UnitTestRunSpec, UserInfo } from "../../core/model/amigo-model.js";
import type { Catalog } from "./catalog.js";
import { judge, lengthened, type JudgedValue } from "./judge.js";
import { derivedObjectId } from "./object-ids.js";
import type { RunOutcome } from "./outcome.js";

export interface PlannedEvaluation {
  metricId: string;
  metricVersion: number;
  criterionName: string;
  /** Per run index: [evaluation id, passed]; absent entries are runs that errored. */
  results: [string, boolean][];
  /** What the judge said, aligned with `results`: the repetition, the value and why. */
  judgements: { runIndex: number; value: JudgedValue; justification: string }[];
}

export interface PlannedUnitTest {
  spec: UnitTestRunSpec;
  finishesAtMs: number;
  /** Per run index: null, or the error message. */
  runErrors: (string | null)[];
  evaluations: PlannedEvaluation[];
}

export type Thinning = "none" | "set" | "unit_test";

export interface RunPlan {
  id: string;
  orgId: string;
  setId: string;
  creator: UserInfo;
  createdAtMs: number;
  unitTests: PlannedUnitTest[];
  /** When the run completes by itself: the last unit test, or the first erroring one. */
  endsAtMs: number;
  artifactsDelayMs: number | null;
  artifactBytes: number;
  cancelledAtMs?: number;
  /**
   * What a missing permission hides: "set" (no Simulation:GetSimulationUnitTestSet) empties
   * specs and results; "unit_test" (no Simulation:GetSimulationUnitTest) empties metric lists.
   */
  thinning: Thinning;
}

export function planRun(
  catalog: Catalog,
  input: { id: string; orgId: string; setId: string; creator: UserInfo; createdAtMs: number; outcome: RunOutcome },
): RunPlan {
  const set = catalog.sets.get(input.setId);
  if (set === undefined) throw new Error(`unknown set ${input.setId}`);
  const { outcome, createdAtMs } = input;
  const count = set.unit_test_runs.length;
  const unitTests = set.unit_test_runs.map(({ unit_test_id, run_count }, index): PlannedUnitTest => {
    const unitTest = catalog.unitTests.get(unit_test_id);
    if (unitTest === undefined) throw new Error(`unknown unit test ${unit_test_id}`);
    const finishesAtMs = createdAtMs + Math.round((outcome.durationMs * (index + 1)) / Math.max(1, count));
    const matches = (ref: string) => ref === unitTest.id || ref.toLowerCase() === unitTest.name.toLowerCase();
    const error = outcome.errors.find((candidate) => matches(candidate.unitTest));
    const metrics: MetricToEvaluate[] = unitTest.success_criterions.map((criterion) => ({
      metric_id: criterion.metric_id,
      success_criterion_name: criterion.name,
      success_criterion: criterion.criterion,
    }));
    const runErrors = Array.from({ length: run_count }, () => error?.message ?? null);
    const evaluations = metrics.map((metric, metricIndex): PlannedEvaluation => {
      const catalogMetric = catalog.metrics.get(metric.metric_id);
      const fails = (runIndex: number) =>
        outcome.failing.some(
          (failing) =>
            matches(failing.unitTest) &&
            (failing.metric === undefined ||
              failing.metric === metric.metric_id ||
              failing.metric.toLowerCase() === (catalogMetric?.name ?? "").toLowerCase() ||
              failing.metric.toLowerCase() === metric.success_criterion_name.toLowerCase()) &&
            (failing.runs === undefined || failing.runs.includes(runIndex)),
        );
      const results: [string, boolean][] = [];
      const judgements: PlannedEvaluation["judgements"] = [];
      for (let runIndex = 0; runIndex < run_count; runIndex++) {
        if (runErrors[runIndex] !== null) continue;
        const passed = !fails(runIndex);
        results.push([derivedObjectId(finishesAtMs, input.id, index, metricIndex, runIndex), passed]);
        const seat = { runId: input.id, unitTestName: unitTest.name, metricName: catalogMetric?.name ?? metric.success_criterion_name, metricIndex, runIndex };
        const judgement = judge(metric.success_criterion, passed, seat);
        judgements.push({ runIndex, value: judgement.value, justification: lengthened(judgement.justification, outcome.justificationChars) });
      }
      return {
        metricId: metric.metric_id,
        metricVersion: catalogMetric?.version ?? 1,
        criterionName: metric.success_criterion_name,
        results,
        judgements,
      };
    });
    return {
      spec: {
        unit_test_id: unit_test_id,
        run_count,
        service_hierarchical_state_machine_version_info: [unitTest.service_id, 3],
        agent_version_info: [derivedObjectId(Date.parse(String(unitTest.created_at)) || 0, "agent", unitTest.service_id), 7],
        scenario_version_info: [unitTest.scenario_id, 2],
        persona_version_info: [unitTest.persona_id, 1],
        llm_model_preferences: {},
        max_interactions: unitTest.max_interactions,
        metrics_to_evaluate: metrics,
      },
      finishesAtMs,
      runErrors,
      evaluations,
    };
  });
  const firstError = unitTests.find((unitTest) => unitTest.runErrors.some((error) => error !== null));
  const lastFinish = unitTests.at(-1)?.finishesAtMs ?? createdAtMs + outcome.durationMs;
  return {
    id: input.id,
    orgId: input.orgId,
    setId: input.setId,
    creator: input.creator,
    createdAtMs,
    unitTests,
    endsAtMs: firstError?.finishesAtMs ?? lastFinish,
    artifactsDelayMs: outcome.artifactsDelayMs,
    artifactBytes: outcome.artifactBytes,
    thinning: "none",
  };
}
