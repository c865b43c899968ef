/** Plain Run values for pure-logic tests, shaped like Amigo's answers. */
import type { Run, UnitTestRunResult, UnitTestRunSpec } from "../../functions/core/model/amigo-model.js";

let counter = 0;
/** An ObjectId-shaped id whose first 8 hex digits are `seconds`. */
export function fakeId(seconds = 1_780_000_000): string {
  counter++;
  return seconds.toString(16).padStart(8, "0") + counter.toString(16).padStart(16, "0");
}

export function spec(unitTestId: string, metrics: { id: string; name: string; threshold?: number }[] = []): UnitTestRunSpec {
  return {
    unit_test_id: unitTestId,
    run_count: 2,
    service_hierarchical_state_machine_version_info: ["svc", 1],
    agent_version_info: ["agent", 3],
    scenario_version_info: ["scenario", 1],
    persona_version_info: ["persona", 1],
    llm_model_preferences: {},
    max_interactions: 10,
    metrics_to_evaluate: metrics.map((metric) => ({
      metric_id: metric.id,
      success_criterion_name: metric.name,
      success_criterion:
        metric.threshold === undefined
          ? { type: "boolean" as const, expected_value: true }
          : { type: "numerical" as const, verb: ">=" as const, threshold: metric.threshold },
    })),
  };
}

export function result(unitTestId: string, metrics: Record<string, boolean[]>, errors: (string | null)[] = [null, null]): UnitTestRunResult {
  return {
    unit_test_id: unitTestId,
    run_errors: errors,
    metric_evaluation_results: Object.entries(metrics).map(([metricId, passes]) => ({
      metric_id: metricId,
      metric_version: 1,
      results: passes.map((passed, index) => [`${metricId}-eval-${index}`, passed] as [string, boolean]),
    })),
  };
}

export function run(overrides: Partial<Run> = {}): Run {
  return {
    org_id: "acme",
    id: fakeId(),
    simulation_unit_test_set_id: "65f0000000000000000000aa",
    is_completed: true,
    failed_metrics: false,
    errored: false,
    artifacts_generated: false,
    unit_test_run_specs: [],
    unit_test_run_results: [],
    created_at: "2026-11-28T10:00:00Z",
    creator: { org_id: "acme", user_id: "user-1" },
    ...overrides,
  };
}
