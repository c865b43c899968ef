/**
 * Test helpers: a simulator on loopback with manual time and no rate limits (unless a
 * test asks), and an Amigo client wired to it with tiny retry delays, the simulator's
 * clock, and its log lines captured.
 */
import { type AmigoClient, type AmigoClientOptions, createAmigoClient, type LogEntry } from "../../functions/amigo/index.js";
import { type RunningSimulator, type SimulatorOptions, startSimulator } from "../../functions/local/simulator/index.js";

export async function startTestSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  return startSimulator({ clock: "manual", rateLimits: false, startTime: new Date("2026-04-01T12:00:00Z"), ...options });
}

export interface TestClient {
  client: AmigoClient;
  logs: LogEntry[];
  /** Each HTTP attempt the client reported, in order. */
  attempts: { endpoint: string; status: number | undefined; attempt: number }[];
}

export function testClient(sim: RunningSimulator, overrides: Partial<AmigoClientOptions> = {}): TestClient {
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
