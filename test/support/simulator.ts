/**
 * Test helpers: a simulator on loopback with manual time and no rate limits (unless a
 * test asks), one per test file with useSimulator(), and an Amigo client wired to it with
 * tiny retry delays, the simulator's clock, and its log lines captured.
 */
import { type AmigoClient, type AmigoClientOptions, createAmigoClient, type LogEntry } from "../../functions/amigo/index.js";
import {
  DEFAULT_ARTIFACT_URL_LIFETIME_MS,
  DEFAULT_TOKEN_LIFETIME_MS,
  type RunningSimulator,
  type SimulatorOptions,
  startSimulator,
} from "../../functions/local/simulator/index.js";
import { useFixture } from "./fixture.js";

const TEST_DEFAULTS: SimulatorOptions = { clock: "manual", rateLimits: false, startTime: new Date("2026-04-01T12:00:00Z") };

export async function startTestSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  return startSimulator({ ...TEST_DEFAULTS, ...options });
}

/**
 * The simulator of a test file (see useFixture), put back before each test as it started: no
 * faults, the same rate limits, token and artifact-link lifetimes, an empty request log. Sets,
 * runs and simulator time carry over.
 */
export function useSimulator(options: SimulatorOptions = {}): SimulatorFixture {
  const settings = { ...TEST_DEFAULTS, ...options };
  return useFixture("useSimulator()", () => startSimulator(settings), ({ control }) => {
    control.faults.clear();
    control.setRateLimits(settings.rateLimits ?? true);
    control.setTokenLifetime(settings.tokenLifetimeMs ?? DEFAULT_TOKEN_LIFETIME_MS);
    control.setArtifactUrlLifetime(settings.artifactUrlLifetimeMs ?? DEFAULT_ARTIFACT_URL_LIFETIME_MS);
    control.resetRequests();
  });
}

export type SimulatorFixture = Omit<RunningSimulator, "close">;

export interface TestClient {
  client: AmigoClient;
  logs: LogEntry[];
  /** Each HTTP attempt the client reported, in order. */
  attempts: { endpoint: string; status: number | undefined; attempt: number }[];
}

export function testClient(sim: SimulatorFixture, overrides: Partial<AmigoClientOptions> = {}): TestClient {
  const logs: LogEntry[] = [];
  const attempts: TestClient["attempts"] = [];
  const client = createAmigoClient({
    baseUrl: sim.url,
    credentials: sim.credentials,
    clock: sim.control.clock,
    timeoutMs: 2_000,
    logger: { log: (entry) => logs.push(entry) },
    onRequest: (info) => attempts.push({ endpoint: info.endpoint, status: info.status, attempt: info.attempt }),
    // Tests see Amigo's own answers (429s included) unless they ask the client to hold back.
    rateLimitShare: false,
    ...overrides,
    retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 1_000, ...overrides.retry },
  });
  return { client, logs, attempts };
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The rejection of `promise` (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error("expected a rejection, but the promise resolved");
}
