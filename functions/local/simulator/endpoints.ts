/** The simulator's endpoint names (the client's names, plus the artifact download itself). */
export const SIM_ENDPOINTS = [
  "signIn",
  "listRuns",
  "createRun",
  "cancelRun",
  "getArtifacts",
  "listSets",
  "listUnitTests",
  "listMetricResults",
  "download",
] as const;
export type SimEndpoint = (typeof SIM_ENDPOINTS)[number];

/** Published per-endpoint limits, requests per minute (OpenAPI 429 descriptions). */
export const PUBLISHED_RATE_LIMITS: Readonly<Partial<Record<SimEndpoint, number>>> = {
  signIn: 5,
  listRuns: 50,
  createRun: 20,
  cancelRun: 10,
  getArtifacts: 100,
  listSets: 50,
  listUnitTests: 200,
  listMetricResults: 10,
};
