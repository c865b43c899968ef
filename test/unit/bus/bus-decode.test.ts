import { describe, expect, it } from "vitest";
import { decodeEventBridgeEvent, decodeEventOf } from "../../../functions/bus/decode.js";
import { EventDecodeError } from "../../../functions/bus/errors.js";
import { storeRunSummary } from "../../../functions/bus/summary-store.js";
import type { StateStore, Versioned } from "../../../functions/core/ports.js";
import { stateKeys } from "../../../functions/core/idempotency/state-keys.js";
import type { RunSummary } from "../../../functions/core/summary/summary-model.js";

class MapStateStore implements StateStore {
  readonly values = new Map<string, { text: string; etag: string }>();
  private version = 0;
  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    const stored = this.values.get(key);
    return stored && { value: JSON.parse(stored.text) as T, etag: stored.etag };
  }
  async create<T>(key: string, value: T): Promise<boolean> {
    if (this.values.has(key)) return false;
    this.values.set(key, { text: JSON.stringify(value), etag: String(++this.version) });
    return true;
  }
  async replace<T>(key: string, value: T, etag: string): Promise<boolean> {
    if (this.values.get(key)?.etag !== etag) return false;
    this.values.set(key, { text: JSON.stringify(value), etag: String(++this.version) });
    return true;
  }
  async delete(key: string): Promise<void> {
    this.values.delete(key);
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.values.keys()].filter((key) => key.startsWith(prefix));
  }
}

const RUN = "65b000000000000000000007";
const SET = "65a000000000000000000001";
const summary: RunSummary = {
  runId: RUN,
  setId: SET,
  setName: "Billing flows",
  verdict: "passed",
  createdAt: "2026-11-28T10:00:00.000Z",
  creator: { org_id: "org", user_id: "user" },
  unitTests: { passed: 3, total: 3 },
  metricEvaluations: { passed: 9, total: 9 },
  runErrors: [],
  failingUnitTests: [],
  notes: [],
};

const lambdaEvent = (detailType: string, detail: unknown, source = "simwatch") => ({
  version: "0",
  id: "5a4d1f7e-0000-4000-8000-000000000001",
  "detail-type": detailType,
  source,
  account: "123456789012",
  time: "2026-11-28T10:00:00Z",
  region: "eu-west-1",
  resources: [],
  detail,
});

describe("decodeEventBridgeEvent", () => {
  it("reads a simwatch event, keeping EventBridge's id and unknown detail fields", () => {
    const decoded = decodeEventBridgeEvent(lambdaEvent("Artifacts Ready", { runId: RUN, setId: SET, extra: 1 }));
    expect(decoded).toEqual({ detailType: "Artifacts Ready", detail: { runId: RUN, setId: SET, extra: 1 }, id: "5a4d1f7e-0000-4000-8000-000000000001" });
  });

  it("refuses another source", () => {
    expect(() => decodeEventBridgeEvent(lambdaEvent("Artifacts Ready", { runId: RUN, setId: SET }, "aws.s3"))).toThrow(
      EventDecodeError,
    );
  });

  it("refuses an undocumented detail-type, naming the field", () => {
    expect(() => decodeEventBridgeEvent(lambdaEvent("Run Exploded", { runId: RUN, setId: SET }))).toThrow(/detail-type/);
  });

  it("refuses a detail missing what consumers rely on, naming the path", () => {
    expect(() => decodeEventBridgeEvent(lambdaEvent("Run Finished", { runId: RUN, setId: SET, verdict: "maybe" }))).toThrow(
      /detail\.verdict/,
    );
    expect(() => decodeEventBridgeEvent(lambdaEvent("Run Archived", { runId: RUN, setId: SET }))).toThrow(/detail\.location/);
  });

  it("says what is wrong in English (zod/mini loads no locale by itself)", () => {
    const archived = { runId: RUN, setId: SET, location: "l", key: "k", size: 1.5, sha256: "h", contentType: "t" };
    expect(() => decodeEventBridgeEvent(lambdaEvent("Run Archived", archived))).toThrow("detail.size: Invalid input: expected int, received number");
  });

  it("insists on the detail-type a handler expects", () => {
    const raw = lambdaEvent("Artifacts Ready", { runId: RUN, setId: SET });
    expect(decodeEventOf(raw, "Artifacts Ready").detail.runId).toBe(RUN);
    expect(() => decodeEventOf(raw, "Run Finished")).toThrow(/expected "Run Finished", got "Artifacts Ready"/);
  });
});

describe("storeRunSummary", () => {
  it("creates once, leaves an equal summary alone, and replaces a recomputed one", async () => {
    const state = new MapStateStore();
    expect((await storeRunSummary(state, RUN, summary)).outcome).toBe("created");
    const reordered = Object.fromEntries(Object.entries(summary).reverse()) as unknown as RunSummary;
    expect((await storeRunSummary(state, RUN, reordered)).outcome).toBe("unchanged");
    const recomputed = { ...summary, notes: ["simwatch gave up waiting for artifacts"] };
    expect((await storeRunSummary(state, RUN, recomputed)).outcome).toBe("replaced");
    expect((await state.get(stateKeys.runSummary(RUN)))?.value).toEqual(recomputed);
  });
});
