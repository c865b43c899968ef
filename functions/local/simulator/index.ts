/** The embedded Amigo simulator (see simulator.ts) and the knobs tests turn. */
export { createSimulatorApp } from "./app.js";
export { ARTIFACT_CONTENT_TYPE, type ArtifactDigest } from "./artifact-content.js";
export type { NewCriterion, NewSet, NewUnitTest } from "./catalog.js";
export type { DirectRun, SimulatorControl } from "./control.js";
export { PUBLISHED_RATE_LIMITS, SIM_ENDPOINTS, type SimEndpoint } from "./endpoints.js";
export type { CorruptFault, DelayFault, DownloadFault, ErrorFault, Mutation } from "./faults.js";
export { DEFAULT_OUTCOME, type FailingMetric, type RunOutcome, type UnitTestError } from "./outcome.js";
export type { LoggedRequest } from "./request-log.js";
export type { Thinning } from "./run-plan.js";
export { SEED_SETS } from "./seed-catalog.js";
export type { SimClock } from "./sim-clock.js";
export {
  createSimulator,
  DEFAULT_ARTIFACT_URL_LIFETIME_MS,
  DEFAULT_TOKEN_LIFETIME_MS,
  type RunningSimulator,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
} from "./simulator.js";
