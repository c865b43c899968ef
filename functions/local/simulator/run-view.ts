/** What the API shows of a planned run at a given instant (pure). */
import type { MetricEvaluationResult, Run, UnitTestRunResult } from "../../core/model/amigo-model.js";
import type { PlannedUnitTest, RunPlan } from "./run-plan.js";

export function completedAtMs(plan: RunPlan): number {
  return Math.min(plan.endsAtMs, plan.cancelledAtMs ?? Number.POSITIVE_INFINITY);
}

export function isCompleted(plan: RunPlan, nowMs: number): boolean {
  return nowMs >= completedAtMs(plan);
}

export function artifactsReadyAtMs(plan: RunPlan): number | undefined {
  return plan.artifactsDelayMs === null ? undefined : completedAtMs(plan) + plan.artifactsDelayMs;
}

function isFinished(unitTest: PlannedUnitTest, plan: RunPlan, nowMs: number): boolean {
  return unitTest.finishesAtMs <= Math.min(nowMs, completedAtMs(plan));
}

export type RunFlags = Pick<Run, "is_completed" | "failed_metrics" | "errored" | "artifacts_generated">;

/** The run's state flags alone: cheap enough to filter thousands of runs per request. */
export function runFlags(plan: RunPlan, nowMs: number): RunFlags {
  const done = plan.unitTests.filter((unitTest) => isFinished(unitTest, plan, nowMs));
  const readyAt = artifactsReadyAtMs(plan);
  return {
    is_completed: isCompleted(plan, nowMs),
    failed_metrics: done.some((unitTest) => unitTest.evaluations.some((evaluation) => evaluation.results.some(([, passed]) => !passed))),
    errored: done.some((unitTest) => unitTest.runErrors.some((error) => error !== null)),
    artifacts_generated: readyAt !== undefined && nowMs >= readyAt,
  };
}

export function runView(plan: RunPlan, nowMs: number): Run {
  const finished = plan.unitTests.map((unitTest) => isFinished(unitTest, plan, nowMs));
  const results: (UnitTestRunResult | null)[] = plan.unitTests.map((unitTest, index) =>
    finished[index]
      ? {
          unit_test_id: unitTest.spec.unit_test_id,
          run_errors: [...unitTest.runErrors],
          metric_evaluation_results:
            plan.thinning === "unit_test"
              ? []
              : unitTest.evaluations.map((evaluation) => ({
                  metric_id: evaluation.metricId,
                  metric_version: evaluation.metricVersion,
                  results: evaluation.results.map(([id, passed]): [string, boolean] => [id, passed]),
                })),
        }
      : null,
  );
  return {
    org_id: plan.orgId,
    id: plan.id,
    simulation_unit_test_set_id: plan.setId,
    ...runFlags(plan, nowMs),
    unit_test_run_specs:
      plan.thinning === "set"
        ? []
        : plan.unitTests.map(({ spec }) =>
            plan.thinning === "unit_test"
              ? { ...spec, scenario_version_info: null, persona_version_info: null, metrics_to_evaluate: [] }
              : structuredClone(spec),
          ),
    unit_test_run_results: plan.thinning === "set" ? [] : results,
    created_at: new Date(plan.createdAtMs).toISOString(),
    creator: { ...plan.creator },
  };
}

/** The metric evaluation results of a run's finished unit tests, as the metric endpoint lists them. */
export function metricResults(plan: RunPlan, nowMs: number): MetricEvaluationResult[] {
  return plan.unitTests.flatMap((unitTest) => {
    if (!isFinished(unitTest, plan, nowMs)) return [];
    const at = new Date(unitTest.finishesAtMs).toISOString();
    return unitTest.evaluations.flatMap((evaluation) =>
      evaluation.results.map(([id], index): MetricEvaluationResult => {
        const judgement = evaluation.judgements[index];
        return {
          id,
          org_id: plan.orgId,
          created_at: at,
          updated_at: at,
          metric_id: evaluation.metricId,
          metric_version: evaluation.metricVersion,
          result: judgement?.value ?? null,
          justification: judgement?.justification ?? "",
          source: {
            type: "simulation",
            simulation_unit_test_set_run_id: plan.id,
            unit_test_id: unitTest.spec.unit_test_id,
            run_index: judgement?.runIndex ?? index,
            references: [],
          },
        };
      }),
    );
  });
}
