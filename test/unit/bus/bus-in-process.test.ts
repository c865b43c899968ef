import { describe, expect, it } from "vitest";
import { BusClosedError } from "../../../functions/bus/errors.js";
import { InProcessBus } from "../../../functions/bus/in-process-bus.js";
import { type EventOf, event } from "../../../functions/core/events.js";
import type { Logger, LogFields } from "../../../functions/core/log.js";

const SET_ID = "65a000000000000000000001";
const ready = (n: number) => event("Artifacts Ready", { runId: `run-${n}`, setId: SET_ID });

function recordingLogger(): Logger & { lines: Array<{ level: string; event: string; fields: LogFields }> } {
  const lines: Array<{ level: string; event: string; fields: LogFields }> = [];
  const at = (level: string) => (name: string, fields: LogFields = {}) => void lines.push({ level, event: name, fields });
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}

describe("InProcessBus", () => {
  it("delivers each subscriber's events in publish order", async () => {
    const bus = new InProcessBus();
    const seen: string[] = [];
    bus.subscribe("Artifacts Ready", async (e) => {
      // Slower for early events: order must still hold.
      await new Promise((resolve) => setTimeout(resolve, e.detail.runId === "run-0" ? 20 : 0));
      seen.push(e.detail.runId);
    });
    await bus.publish([ready(0), ready(1)]);
    await bus.publish([ready(2)]);
    await bus.idle();
    expect(seen).toEqual(["run-0", "run-1", "run-2"]);
  });

  it("delivers after the publisher's call returns, never inside it", async () => {
    const bus = new InProcessBus();
    const seen: string[] = [];
    bus.subscribe("Artifacts Ready", () => void seen.push("handler"));
    const publishing = bus.publish([ready(1)]);
    seen.push("publisher continues");
    await publishing;
    seen.push("publish resolved");
    await bus.idle();
    expect(seen).toEqual(["publisher continues", "publish resolved", "handler"]);
  });

  it("gives every subscriber of a detail-type the event, and no one else", async () => {
    const bus = new InProcessBus();
    const archiver: string[] = [];
    const notifier: string[] = [];
    const started: string[] = [];
    bus.subscribe("Artifacts Ready", (e) => void archiver.push(e.detail.runId));
    bus.subscribe("Artifacts Ready", (e) => void notifier.push(e.detail.runId));
    bus.subscribe("Run Started", (e) => void started.push(e.detail.runId));
    await bus.publish([ready(1)]);
    await bus.idle();
    expect({ archiver, notifier, started }).toEqual({ archiver: ["run-1"], notifier: ["run-1"], started: [] });
  });

  it("retries a throwing handler, then dead-letters and logs it without stopping the others", async () => {
    const log = recordingLogger();
    const bus = new InProcessBus({ attempts: 3, retryDelayMs: 1, log });
    let tries = 0;
    const healthy: string[] = [];
    bus.subscribe(
      "Artifacts Ready",
      (e) => {
        if (e.detail.runId === "run-1") {
          tries++;
          throw new Error("archive unreachable");
        }
      },
      { name: "archiver" },
    );
    bus.subscribe("Artifacts Ready", (e) => void healthy.push(e.detail.runId), { name: "notifier" });

    await bus.publish([ready(1), ready(2)]);
    await bus.idle();

    expect(tries).toBe(3);
    expect(healthy).toEqual(["run-1", "run-2"]);
    expect(bus.deadLetters).toEqual([
      { subscriber: "archiver", event: ready(1), attempts: 3, error: "Error: archive unreachable", failedAt: expect.any(String) },
    ]);
    expect(log.lines).toEqual([
      {
        level: "error",
        event: "bus.handler_failed",
        fields: expect.objectContaining({ detailType: "Artifacts Ready", subscriber: "archiver", runId: "run-1", attempts: 3, message: "archive unreachable" }),
      },
    ]);
  });

  it("succeeds on a retry without dead-lettering", async () => {
    const bus = new InProcessBus({ attempts: 3, retryDelayMs: 1, log: recordingLogger() });
    let tries = 0;
    bus.subscribe("Artifacts Ready", async () => {
      tries++;
      if (tries < 2) throw new Error("flaky");
    });
    await bus.publish([ready(1)]);
    await bus.idle();
    expect(tries).toBe(2);
    expect(bus.deadLetters).toEqual([]);
  });

  it("hands each handler its own JSON copy of the event, as EventBridge would", async () => {
    const bus = new InProcessBus();
    const received: Array<EventOf<"Run Finished">> = [];
    bus.subscribe("Run Finished", (e) => {
      received.push(e);
      e.detail.setId = "mutated by the first handler";
    });
    bus.subscribe("Run Finished", (e) => void received.push(e));
    const finishedAt = new Date("2026-11-28T10:00:00Z");
    // A Date and an undefined field, as a careless publisher might pass them.
    const published = event("Run Finished", {
      runId: "run-1",
      setId: SET_ID,
      verdict: "passed",
      summaryRef: undefined,
      when: finishedAt,
    } as never);
    await bus.publish([published]);
    await bus.idle();

    expect(received).toHaveLength(2);
    expect(received[0]).not.toBe(published);
    expect(received[1]?.detail).toEqual({ runId: "run-1", setId: SET_ID, verdict: "passed", when: "2026-11-28T10:00:00.000Z" });
    expect(published.detail.setId).toBe(SET_ID);
  });

  it("delivers events that handlers publish, and idle() waits for them too", async () => {
    const bus = new InProcessBus();
    const archived: string[] = [];
    bus.subscribe("Artifacts Ready", async (e) => {
      await bus.publish([
        event("Run Archived", { ...e.detail, location: "/tmp/a", key: "k", size: 1, sha256: "00", contentType: "application/zip" }),
      ]);
    });
    bus.subscribe("Run Archived", async (e) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      archived.push(e.detail.runId);
    });
    await bus.publish([ready(1), ready(2)]);
    await bus.idle();
    expect(archived).toEqual(["run-1", "run-2"]);
  });

  it("is idle at once with nothing queued, and drops events nobody subscribed to", async () => {
    const bus = new InProcessBus();
    await bus.idle();
    await bus.publish([ready(1)]);
    await bus.idle();
    expect(bus.deadLetters).toEqual([]);
  });

  it("refuses an event that cannot cross EventBridge as JSON, queueing none of the batch", async () => {
    const bus = new InProcessBus();
    const seen: string[] = [];
    bus.subscribe("Artifacts Ready", (e) => void seen.push(e.detail.runId));
    const circular: Record<string, unknown> = { runId: "run-2", setId: SET_ID };
    circular.self = circular;
    await expect(bus.publish([ready(1), event("Artifacts Ready", circular as never)])).rejects.toThrow(TypeError);
    await bus.idle();
    expect(seen).toEqual([]);
  });

  it("close() drains what is queued, then refuses new events", async () => {
    const bus = new InProcessBus();
    const seen: string[] = [];
    bus.subscribe("Artifacts Ready", async (e) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push(e.detail.runId);
    });
    await bus.publish([ready(1)]);
    await bus.close();
    expect(seen).toEqual(["run-1"]);
    await expect(bus.publish([ready(2)])).rejects.toBeInstanceOf(BusClosedError);
  });

  it("stops delivering to a handler once unsubscribed", async () => {
    const bus = new InProcessBus();
    const seen: string[] = [];
    const unsubscribe = bus.subscribe("Artifacts Ready", (e) => void seen.push(e.detail.runId));
    await bus.publish([ready(1)]);
    unsubscribe();
    await bus.idle();
    await bus.publish([ready(2)]);
    await bus.idle();
    expect(seen).toEqual([]);
  });
});
