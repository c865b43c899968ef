import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { decodeEventBridgeEvent } from "../../functions/bus/decode.js";
import { EventTooLargeError, PublishFailedError } from "../../functions/bus/errors.js";
import { EventBridgeBus, type EventBridgeRetrySettings } from "../../functions/bus/eventbridge-bus.js";
import { type PutEventsTransport } from "../../functions/bus/eventbridge-bus.js";
import { signedHttpTransport } from "../../functions/bus/eventbridge-http.js";
import { sdkTransport } from "../../functions/bus/eventbridge-sdk.js";
import { event, type RunFinishedDetail, type SimwatchEvent } from "../../functions/core/events.js";
import { silentLogger } from "../../functions/core/log.js";
import type { StateStore, Versioned } from "../../functions/core/ports.js";
import { stateKeys } from "../../functions/core/idempotency/state-keys.js";
import type { RunSummary } from "../../functions/core/summary/summary-model.js";
import { EventBridgeStub, type StubEntry } from "../support/eventbridge-stub.js";

/** A map with the StateStore's conditional-write semantics (functions/archive has none in memory yet). */
class MapStateStore implements StateStore {
  readonly values = new Map<string, { text: string; etag: number }>();
  private version = 0;
  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    const stored = this.values.get(key);
    return stored && { value: JSON.parse(stored.text) as T, etag: String(stored.etag) };
  }
  async create<T>(key: string, value: T): Promise<boolean> {
    if (this.values.has(key)) return false;
    this.values.set(key, { text: JSON.stringify(value), etag: ++this.version });
    return true;
  }
  async replace<T>(key: string, value: T, etag: string): Promise<boolean> {
    if (String(this.values.get(key)?.etag) !== etag) return false;
    this.values.set(key, { text: JSON.stringify(value), etag: ++this.version });
    return true;
  }
  async delete(key: string): Promise<void> {
    this.values.delete(key);
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.values.keys()].filter((key) => key.startsWith(prefix)).sort();
  }
}

const SET_ID = "65a000000000000000000001";
const runId = (n: number) => `65b${n.toString(16).padStart(21, "0")}`;

function summaryOf(id: string, failingTests: number): RunSummary {
  return {
    runId: id,
    setId: SET_ID,
    setName: "Billing flows",
    verdict: "failed",
    createdAt: "2026-11-28T10:00:00.000Z",
    creator: { org_id: "org", user_id: "user" },
    unitTests: { passed: 0, total: failingTests },
    metricEvaluations: { passed: 0, total: failingTests },
    runErrors: [],
    failingUnitTests: Array.from({ length: failingTests }, (_, i) => ({
      unitTestId: `ut-${i}`,
      name: `Refund request number ${i} is escalated to a human — ünïcödé`,
      failingMetrics: [{ metricId: `m-${i}`, criterionName: "escalates", criterion: "is true", failedRuns: 3, evaluatedRuns: 3 }],
      runErrors: [],
    })),
    notes: [],
  };
}

const artifactsReady = (n: number) => event("Artifacts Ready", { runId: runId(n), setId: SET_ID });
const detailOf = (entry: StubEntry) => JSON.parse(entry.Detail ?? "{}") as { runId?: string };
const FAST_RETRY: Partial<EventBridgeRetrySettings> = { baseDelayMs: 5, maxDelayMs: 20 };
/** Role credentials as Lambda has them: with a session token. */
const CREDENTIALS = { accessKeyId: "AKIDFAKE", secretAccessKey: "fake-secret", sessionToken: "fake-session-token" };

/**
 * The two wires under the one EventBridgeBus: the SDK client (most handlers) and the signed
 * HTTPS call (slack-http). Batching, size limits and refused-entry retries are the bus's, so
 * every behaviour below must hold over either; only how a failed request surfaces differs.
 */
const TRANSPORTS: {
  name: string;
  make: (endpoint: string, attempts: number) => PutEventsTransport;
  /** What a request that fails every attempt with HTTP 500 InternalException rejects with. */
  exhausted: Record<string, unknown>;
}[] = [
  {
    name: "the SDK client",
    make: (endpoint, attempts) => sdkTransport({ region: "us-east-1", endpoint, credentials: CREDENTIALS, maxAttempts: attempts }),
    exhausted: { name: "InternalException" },
  },
  {
    name: "the signed HTTPS call",
    make: (endpoint, attempts) => signedHttpTransport({ region: "us-east-1", endpoint: new URL(endpoint), credentials: CREDENTIALS, attempts }),
    exhausted: { name: "AwsRequestError", service: "events", status: 500, code: "InternalException" },
  },
];

describe.each(TRANSPORTS)("EventBridgeBus over $name, against a local EventBridge stand-in", (transport) => {
  let stub: EventBridgeStub;
  let state: MapStateStore | undefined;
  const buses: EventBridgeBus[] = [];

  const busWith = (retry: Partial<EventBridgeRetrySettings> = {}, requestAttempts = 4) => {
    const bus = new EventBridgeBus({
      busName: "simwatch-test",
      transport: transport.make(stub.endpoint, requestAttempts),
      ...(state ? { state } : {}),
      retry: { ...FAST_RETRY, ...retry },
      log: silentLogger,
    });
    buses.push(bus);
    return bus;
  };

  beforeAll(async () => {
    stub = await EventBridgeStub.start();
  });
  afterEach(() => {
    for (const bus of buses.splice(0)) bus.close();
    stub.reset();
  });
  afterAll(async () => {
    await stub.close();
  });

  it("sends 25 events in 3 PutEvents calls of at most 10, with source, detail-type and bus name", async () => {
    state = new MapStateStore();
    const events = Array.from({ length: 25 }, (_, n) => artifactsReady(n));
    await busWith().publish(events);

    expect(stub.calls.map((call) => [call.target, call.entries.length])).toEqual([
      ["AWSEvents.PutEvents", 10],
      ["AWSEvents.PutEvents", 10],
      ["AWSEvents.PutEvents", 5],
    ]);
    expect(stub.accepted).toHaveLength(25);
    expect(stub.accepted[0]).toMatchObject({ Source: "simwatch", DetailType: "Artifacts Ready", EventBusName: "simwatch-test" });
    expect(stub.acceptedDetails()).toEqual(events.map((e) => e.detail));
  });

  it("splits a request before its entries together reach 256 KB", async () => {
    const store = (state = new MapStateStore());
    // Each about 100 KB: under the entry limit alone, but three would not fit one request.
    const events = [1, 2, 3].map((n) => event("Run Finished", { runId: runId(n), setId: SET_ID, verdict: "failed", summary: summaryOf(runId(n), 400) }));
    await busWith().publish(events);
    expect(stub.calls.map((call) => call.entries.length)).toEqual([2, 1]);
    expect(store.values.size).toBe(0);
  });

  it("sends a 300 KB summary by reference, and the resolver loads the same summary back", async () => {
    const store = (state = new MapStateStore());
    const summary = summaryOf(runId(7), 1400);
    expect(Buffer.byteLength(JSON.stringify(summary))).toBeGreaterThan(300 * 1024);
    const finished = event("Run Finished", { runId: runId(7), setId: SET_ID, verdict: "failed", summary });

    await busWith().publish([finished, artifactsReady(7)]);

    const key = stateKeys.runSummary(runId(7));
    expect((await store.get<RunSummary>(key))?.value).toEqual(summary);
    const entry = stub.accepted.find((e) => e.DetailType === "Run Finished");
    const sent = JSON.parse(entry?.Detail ?? "{}") as RunFinishedDetail;
    expect(sent).toEqual({ runId: runId(7), setId: SET_ID, verdict: "failed", summaryRef: key });

    // What a Lambda target would receive, decoded, and the summary its reference leads to (the notifier reads it so).
    const decoded = decodeEventBridgeEvent({ id: "e-1", source: entry?.Source, "detail-type": entry?.DetailType, detail: sent });
    if (decoded.detailType !== "Run Finished") throw new Error("expected Run Finished");
    expect(decoded.detail).toEqual({ runId: runId(7), setId: SET_ID, verdict: "failed", summaryRef: stateKeys.runSummary(runId(7)) });
    expect((await store.get(decoded.detail.summaryRef!))?.value).toEqual(summary);
  });

  it("publishing the same oversize summary again reuses the stored one", async () => {
    const store = (state = new MapStateStore());
    const finished = event("Run Finished", { runId: runId(8), setId: SET_ID, verdict: "failed", summary: summaryOf(runId(8), 1400) });
    await busWith().publish([finished]);
    const first = await store.get(stateKeys.runSummary(runId(8)));
    await busWith().publish([finished]);
    expect((await store.get(stateKeys.runSummary(runId(8))))?.etag).toBe(first?.etag);
    expect(stub.accepted).toHaveLength(2);
  });

  it("refuses any other oversize event before sending anything", async () => {
    state = new MapStateStore();
    const huge = event("Command Accepted", {
      command: { verb: "help" },
      text: "x".repeat(300 * 1024),
      userId: "U1",
      channelId: "C1",
      requestId: "r-1",
    });
    await expect(busWith().publish([artifactsReady(1), huge])).rejects.toBeInstanceOf(EventTooLargeError);
    expect(stub.calls).toHaveLength(0);
  });

  it("retries only the refused entry until it is accepted, delivering each event once", async () => {
    state = new MapStateStore();
    stub.failEntries((entry) => detailOf(entry).runId === runId(3), 2);
    const events = Array.from({ length: 5 }, (_, n) => artifactsReady(n));
    await busWith().publish(events);

    expect(stub.calls.map((call) => call.entries.length)).toEqual([5, 1, 1]);
    expect(stub.calls.map((call) => call.refused)).toEqual([[3], [0], []]);
    const delivered = stub.acceptedDetails().map((detail) => (detail as { runId: string }).runId);
    expect(delivered.sort()).toEqual(events.map((e) => e.detail.runId).sort());
  });

  it("throws naming how many entries failed and their error code when refusals persist", async () => {
    state = new MapStateStore();
    stub.failEntries((entry) => detailOf(entry).runId === runId(2), Number.POSITIVE_INFINITY, "InternalFailure");
    const publishing = busWith({ entryAttempts: 3 }).publish([artifactsReady(1), artifactsReady(2)]);

    const error = await publishing.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PublishFailedError);
    expect((error as PublishFailedError).message).toMatch(/1 of 2 events .* after 3 attempts .*InternalFailure/);
    expect((error as PublishFailedError).failed).toEqual([
      { detailType: "Artifacts Ready", runId: runId(2), errorCode: "InternalFailure", errorMessage: "Internal service error (stub)" },
    ]);
    // The outbox keeps exactly the undelivered ones pending.
    expect((error as PublishFailedError).undelivered).toEqual([1]);
    expect(stub.calls).toHaveLength(3);
    expect(stub.accepted.map((entry) => detailOf(entry).runId)).toEqual([runId(1)]);
  });

  it("retries a 500 from the service", async () => {
    state = new MapStateStore();
    stub.failNextCalls(1, "internal");
    await busWith().publish([artifactsReady(1)]);
    expect(stub.calls.map((call) => call.status)).toEqual([500, 200]);
    expect(stub.accepted).toHaveLength(1);
  });

  it("retries throttling from the service", async () => {
    state = new MapStateStore();
    stub.failNextCalls(1, "throttle");
    await busWith().publish([artifactsReady(1)]);
    expect(stub.calls.map((call) => call.status)).toEqual([400, 200]);
    expect(stub.accepted).toHaveLength(1);
  });

  it("gives up with the service's error once the transport's attempts are spent", async () => {
    state = new MapStateStore();
    stub.failNextCalls(5, "internal");
    await expect(busWith({}, 2).publish([artifactsReady(1)])).rejects.toMatchObject(transport.exhausted);
    expect(stub.calls).toHaveLength(2);
  });

  it("signs every request with SigV4 for events in the region, target and session token included", async () => {
    state = new MapStateStore();
    await busWith().publish([artifactsReady(1)]);
    expect(stub.calls[0]?.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDFAKE\/\d{8}\/us-east-1\/events\/aws4_request, SignedHeaders=[^,]*\bx-amz-target\b[^,]*, Signature=[0-9a-f]{64}$/,
    );
    expect(stub.calls[0]?.securityToken).toBe("fake-session-token");
  });

  it("without a state store, an oversize summary is refused as too large before anything is sent", async () => {
    state = undefined;
    const finished = event("Run Finished", { runId: runId(9), setId: SET_ID, verdict: "failed", summary: summaryOf(runId(9), 1400) });
    await expect(busWith().publish([artifactsReady(9), finished])).rejects.toBeInstanceOf(EventTooLargeError);
    expect(stub.calls).toHaveLength(0);
  });

  it("sends nothing for no events", async () => {
    state = new MapStateStore();
    await busWith().publish([] as SimwatchEvent[]);
    expect(stub.calls).toHaveLength(0);
  });
});
