/**
 * The Amigo endpoints the client calls: a stable name (for counters, logs and error
 * messages) and the path template as the OpenAPI document spells it.
 */
export const AMIGO_ENDPOINTS = {
  signIn: { method: "POST", path: "/v1/{org}/user/signin_with_api_key" },
  listRuns: { method: "GET", path: "/v1/{org}/simulation/unit_test_set_run/" },
  createRun: { method: "POST", path: "/v1/{org}/simulation/unit_test_set_run/" },
  cancelRun: { method: "DELETE", path: "/v1/{org}/simulation/unit_test_set_run/{run_id}/" },
  getArtifacts: { method: "GET", path: "/v1/{org}/simulation/unit_test_set_run/{run_id}/artifacts/" },
  listSets: { method: "GET", path: "/v1/{org}/simulation/unit_test_set/" },
  listUnitTests: { method: "GET", path: "/v1/{org}/simulation/unit_test/" },
  listMetricResults: { method: "GET", path: "/v1/{org}/metric/metric_evaluation_result" },
} as const;

export type AmigoEndpoint = keyof typeof AMIGO_ENDPOINTS;

/** Amigo's published per-user limits, requests per minute (the OpenAPI document's 429 answers). */
export const PUBLISHED_RATE_LIMITS: Readonly<Record<AmigoEndpoint, number>> = {
  signIn: 5,
  listRuns: 50,
  createRun: 20,
  cancelRun: 10,
  getArtifacts: 100,
  listSets: 50,
  listUnitTests: 200,
  listMetricResults: 10,
};

/** `GET /v1/{org}/simulation/unit_test_set/`: how errors and logs name a call. */
export function describeEndpoint(endpoint: AmigoEndpoint): string {
  const { method, path } = AMIGO_ENDPOINTS[endpoint];
  return `${method} ${path}`;
}

/** The concrete path: `{org}` and `{run_id}` filled in, each URL-encoded. */
export function endpointPath(endpoint: AmigoEndpoint, orgId: string, runId?: string): string {
  const template: string = AMIGO_ENDPOINTS[endpoint].path;
  return template
    .replace("{org}", encodeURIComponent(orgId))
    .replace("{run_id}", encodeURIComponent(runId ?? ""));
}

/** Largest page each list endpoint accepts (OpenAPI `limit` maximum). */
export const PAGE_LIMITS = {
  listRuns: 50,
  listSets: 20,
  listUnitTests: 500,
  listMetricResults: 500,
} as const satisfies Partial<Record<AmigoEndpoint, number>>;
