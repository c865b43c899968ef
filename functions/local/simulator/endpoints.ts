import { PUBLISHED_RATE_LIMITS as AMIGO_RATE_LIMITS } from "../../amigo/endpoints.js";

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

/** The published per-endpoint limits (the artifact download itself is not limited). */
export const PUBLISHED_RATE_LIMITS: Readonly<Partial<Record<SimEndpoint, number>>> = AMIGO_RATE_LIMITS;
