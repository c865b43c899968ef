/**
 * The Amigo simulation API's data model, as zod schemas that follow Amigo's published OpenAPI
 * document (API version 0.1.0, the runs, sets, unit tests, metric results and API-key sign-in
 * it describes). Objects are loose (extra
 * fields tolerated, kept); a missing required field fails validation with its path.
 * Pure: used by the client to validate answers and by the simulator to build them.
 * zod/mini, not classic zod, keeps the Lambda bundles small (classic was 39% of each).
 */
import * as z from "zod/mini";

export { OBJECT_ID_PATTERN as OBJECT_ID } from "./object-id.js";

const VersionInfo = z.tuple([z.string(), z.int()]);

export const UserInfo = z.looseObject({ org_id: z.string(), user_id: z.string() });
export type UserInfo = z.infer<typeof UserInfo>;

export const Verb = z.enum(["==", "!=", "<=", "<", ">=", ">"]);
export type Verb = z.infer<typeof Verb>;

export const SuccessCriterion = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("boolean"), expected_value: z.boolean() }),
  z.looseObject({ type: z.literal("numerical"), verb: Verb, threshold: z.number() }),
  z.looseObject({ type: z.literal("categorical"), expected_values: z.array(z.string()) }),
]);
export type SuccessCriterion = z.infer<typeof SuccessCriterion>;

export const MetricToEvaluate = z.looseObject({
  metric_id: z.string(),
  success_criterion_name: z.string(),
  success_criterion: SuccessCriterion,
});
export type MetricToEvaluate = z.infer<typeof MetricToEvaluate>;

export const UnitTestRunSpec = z.looseObject({
  unit_test_id: z.string(),
  run_count: z.int(),
  service_hierarchical_state_machine_version_info: VersionInfo,
  agent_version_info: VersionInfo,
  scenario_version_info: z.nullable(VersionInfo),
  persona_version_info: z.nullable(VersionInfo),
  llm_model_preferences: z.record(z.string(), z.unknown()),
  max_interactions: z.int(),
  metrics_to_evaluate: z.array(MetricToEvaluate),
});
export type UnitTestRunSpec = z.infer<typeof UnitTestRunSpec>;

export const RunMetricEvaluation = z.looseObject({
  metric_id: z.string(),
  /** Only newer servers send it, so it is optional here. */
  metric_version: z.optional(z.int()),
  /** [evaluation_result_id, passed] per run of the unit test. */
  results: z.array(z.tuple([z.string(), z.boolean()])),
});
export type RunMetricEvaluation = z.infer<typeof RunMetricEvaluation>;

export const UnitTestRunResult = z.looseObject({
  unit_test_id: z.string(),
  metric_evaluation_results: z.array(RunMetricEvaluation),
  run_errors: z.array(z.nullable(z.string())),
});
export type UnitTestRunResult = z.infer<typeof UnitTestRunResult>;

export const Run = z.looseObject({
  org_id: z.string(),
  id: z.string(),
  simulation_unit_test_set_id: z.string(),
  is_completed: z.boolean(),
  failed_metrics: z.boolean(),
  errored: z.boolean(),
  artifacts_generated: z.boolean(),
  unit_test_run_specs: z.array(UnitTestRunSpec),
  unit_test_run_results: z.array(z.nullable(UnitTestRunResult)),
  created_at: z.string(),
  creator: UserInfo,
});
export type Run = z.infer<typeof Run>;

export const Tag = z.looseObject({ key: z.string(), value: z.nullable(z.string()) });

export const UnitTestSet = z.looseObject({
  id: z.string(),
  org_id: z.string(),
  name: z.string(),
  description: z.nullable(z.string()),
  unit_test_runs: z.array(z.looseObject({ unit_test_id: z.string(), run_count: z.int() })),
  last_triggered_run_id: z.nullable(z.string()),
  is_deleted: z.boolean(),
  tags: z.array(Tag),
  creator: UserInfo,
  updated_by: UserInfo,
});
export type UnitTestSet = z.infer<typeof UnitTestSet>;

export const UnitTest = z.looseObject({
  id: z.string(),
  org_id: z.string(),
  name: z.string(),
  description: z.string(),
  service_id: z.string(),
  service_version_set_name: z.string(),
  persona_id: z.string(),
  scenario_id: z.string(),
  max_interactions: z.int(),
  success_criterions: z.array(
    z.looseObject({ name: z.string(), metric_id: z.string(), criterion: SuccessCriterion }),
  ),
  is_deleted: z.boolean(),
  tags: z.array(Tag),
  creator: UserInfo,
  updated_by: UserInfo,
});
export type UnitTest = z.infer<typeof UnitTest>;

export const EvaluationSource = z.union([
  z.looseObject({
    type: z.literal("simulation"),
    simulation_unit_test_set_run_id: z.string(),
    unit_test_id: z.string(),
    run_index: z.int(),
    references: z.array(z.string()),
  }),
  z.looseObject({ type: z.enum(["manual", "post-session"]) }),
]);

export const MetricEvaluationResult = z.looseObject({
  id: z.string(),
  org_id: z.string(),
  metric_id: z.string(),
  metric_version: z.int(),
  result: z.union([z.number(), z.boolean(), z.string(), z.null()]),
  justification: z.string(),
  source: EvaluationSource,
});
export type MetricEvaluationResult = z.infer<typeof MetricEvaluationResult>;

/** Every list endpoint pages the same way. */
function page<K extends string, T extends z.ZodMiniType>(key: K, item: T) {
  return z.looseObject({
    [key]: z.array(item),
    has_more: z.boolean(),
    continuation_token: z.nullable(z.int()),
    filter_values: z.optional(z.unknown()),
  } as { [P in K]: z.ZodMiniArray<T> } & {
    has_more: z.ZodMiniBoolean;
    continuation_token: z.ZodMiniNullable<z.ZodMiniInt>;
    filter_values: z.ZodMiniOptional<z.ZodMiniUnknown>;
  });
}

export const RunPage = page("simulation_unit_test_set_runs", Run);
export const UnitTestSetPage = page("simulation_unit_test_sets", UnitTestSet);
export const UnitTestPage = page("simulation_unit_tests", UnitTest);
export const MetricEvaluationResultPage = page("metric_evaluation_results", MetricEvaluationResult);

export const SignInResponse = z.looseObject({ id_token: z.string(), expires_at: z.string() });
export const CreateRunResponse = z.looseObject({ simulation_unit_test_set_run_id: z.string() });
export const ArtifactsResponse = z.looseObject({ presigned_url: z.string(), url_expires_at: z.string() });
export type ArtifactsLink = z.infer<typeof ArtifactsResponse>;

/** Filters of GET unit_test_set_run/ (arrays are sent as repeated keys). */
export interface RunFilter {
  id?: readonly string[];
  simulation_unit_test_set_id?: readonly string[];
  is_completed?: boolean;
  failed_metrics?: boolean;
  errored?: boolean;
  /** `org_id,user_id` pairs. */
  creator?: readonly string[];
  created_after?: string | Date;
  created_before?: string | Date;
  sort_by?: readonly ("+created_at" | "-created_at")[];
  /** Page size, 0..50. */
  limit?: number;
}
