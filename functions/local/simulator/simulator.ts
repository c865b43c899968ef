/**
 * The embedded Amigo simulator: `createSimulator` builds it in memory (use `app.request`
 * with no socket), `startSimulator` also serves it on loopback with @hono/node-server.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import { createSimulatorApp } from "./app.js";
import { createControl, type SimulatorControl } from "./control.js";
import type { SimEnv } from "./hono-env.js";
import { DEFAULT_OUTCOME, type RunOutcome, withDefaults } from "./outcome.js";
import { SEED_SETS } from "./seed-catalog.js";
import { createSimClock } from "./sim-clock.js";
import type { AmigoCredentials } from "../../core/config.js";
import { SimulatorState } from "./simulator-state.js";

export interface SimulatorOptions {
  orgId?: string;
  /** The API key trio and the main user; defaults are fixed, non-secret demo values. */
  apiKey?: string;
  apiKeyId?: string;
  userId?: string;
  /** "real" (default): time flows, `advance` jumps ahead. "manual": time moves only on `advance`. */
  clock?: "real" | "manual";
  /** Where simulator time starts (default: now). */
  startTime?: Date;
  /** Sign-in token lifetime. Default 1 h. */
  tokenLifetimeMs?: number;
  /** Artifact link lifetime. Default 10 min; 0 or less = already expired when handed out. */
  artifactUrlLifetimeMs?: number;
  /** The published per-endpoint rate limits. Default on. */
  rateLimits?: boolean;
  /** Start with the seed sets ("Checkout flows", ...). Default true. */
  seed?: boolean;
  /** Outcome for sets without their own (duration, failures, errors, artifact delay and size). */
  defaultOutcome?: Partial<RunOutcome>;
  /** Ids are deterministic per seed name. */
  idSeed?: string;
}

export interface Simulator {
  app: Hono<SimEnv>;
  orgId: string;
  /** Credentials of the main user. */
  credentials: AmigoCredentials;
  control: SimulatorControl;
}

export interface RunningSimulator extends Simulator {
  /** Base URL, e.g. http://127.0.0.1:43121 (no trailing slash). */
  url: string;
  close(): Promise<void>;
}

export const DEFAULT_TOKEN_LIFETIME_MS = 60 * 60_000;
export const DEFAULT_ARTIFACT_URL_LIFETIME_MS = 10 * 60_000;

/** Seed sets are dated to a fixed moment so their ids are the same in every simulator. */
const SEED_TIME_MS = Date.UTC(2026, 0, 5, 9, 0, 0);

export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const userId = options.userId ?? "sim-user-1";
  const state = new SimulatorState({
    clock: createSimClock(options.clock ?? "real", options.startTime),
    orgId: options.orgId ?? "simwatch-demo",
    apiKey: options.apiKey ?? "sim-api-key-0000000000000000",
    apiKeyId: options.apiKeyId ?? "sim-api-key-id",
    userIds: [userId],
    tokenLifetimeMs: options.tokenLifetimeMs ?? DEFAULT_TOKEN_LIFETIME_MS,
    artifactUrlLifetimeMs: options.artifactUrlLifetimeMs ?? DEFAULT_ARTIFACT_URL_LIFETIME_MS,
    rateLimits: options.rateLimits ?? true,
    defaultOutcome: withDefaults(DEFAULT_OUTCOME, options.defaultOutcome),
    idSeed: options.idSeed ?? "simwatch-simulator",
  });
  if (options.seed ?? true) for (const set of SEED_SETS) state.addSet(set, SEED_TIME_MS);
  return {
    app: createSimulatorApp(state),
    orgId: state.orgId,
    credentials: state.credentialsFor(userId),
    control: createControl(state, userId),
  };
}

export async function startSimulator(options: SimulatorOptions & { port?: number; hostname?: string } = {}): Promise<RunningSimulator> {
  const simulator = createSimulator(options);
  const hostname = options.hostname ?? "127.0.0.1";
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>((resolve, reject) => {
    const started = serve({ fetch: simulator.app.fetch, port: options.port ?? 0, hostname }, (info: AddressInfo) =>
      resolve({ server: started, port: info.port }),
    );
    started.once("error", reject);
  });
  return {
    ...simulator,
    url: `http://${hostname}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Slow (fault-delayed) or half-read answers must not keep close() waiting.
        if ("closeAllConnections" in server) server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}
