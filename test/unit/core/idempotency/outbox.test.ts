import { describe, expect, it } from "vitest";
import { event, type SimwatchEvent } from "../../../../functions/core/events.js";
import { silentLogger } from "../../../../functions/core/log.js";
import { createOutbox } from "../../../../functions/core/idempotency/outbox.js";
import type { ClaimOwner, EventBus } from "../../../../functions/core/ports.js";
import { eventIds, stateKeys } from "../../../../functions/core/idempotency/state-keys.js";
import { MemoryStateStore } from "../../../support/memory-state-store.js";

const RUN = "0123456789abcdef01234567";
const SET = "fedcba9876543210fedcba98";
const started = { id: eventIds.runStarted(RUN), event: event("Run Started", { runId: RUN, setId: SET, createdAt: "2026-04-01T12:00:00Z", creator: { org_id: "o", user_id: "u" } }) };
const ready = { id: eventIds.artifactsReady(RUN, 1), event: event("Artifacts Ready", { runId: RUN, setId: SET }) };

/** A bus that records what it accepted, and can refuse the next publish (all, or some positions). */
function recordingBus() {
  const accepted: SimwatchEvent[] = [];
  let refuse: number[] | "all" | undefined;
  const bus: EventBus & { accepted: SimwatchEvent[]; refuseNext(which: number[] | "all"): void } = {
    accepted,
    refuseNext(which) {
      refuse = which;
    },
    async publish(events) {
      const refusing = refuse;
      refuse = undefined;
      if (refusing === "all") throw new Error("bus down");
      events.forEach((e, index) => {
        if (!refusing?.includes(index)) accepted.push(e);
      });
      if (refusing) throw Object.assign(new Error("some refused"), { undelivered: refusing });
    },
  };
  return bus;
}

function world() {
  let now = Date.parse("2026-04-01T12:00:00Z");
  const state = new MemoryStateStore();
  const bus = recordingBus();
  const gone = new Set<string>();
  const clock = { now: () => new Date(now) };
  const owner = (id: string): ClaimOwner => ({ id, isGone: (other) => gone.has(other) });
  const outboxOf = (id: string) => createOutbox({ state, bus, clock, owner: owner(id), logger: silentLogger, graceMs: 60_000 });
  return { state, bus, gone, outboxOf, advance: (ms: number) => (now += ms) };
}

describe("outbox", () => {
  it("records, delivers, then marks an event done so it is never recorded again", async () => {
    const w = world();
    const outbox = w.outboxOf("a");
    expect(await outbox.deliver(await outbox.record([started]))).toBe(1);
    expect(w.bus.accepted).toHaveLength(1);
    expect(await w.state.get(stateKeys.deliveredMarker(started.id))).toBeDefined();
    expect(await w.state.list(stateKeys.outboxPrefix())).toEqual([]);
    expect(await w.outboxOf("b").record([started])).toEqual([]);
  });

  it("gives an event proposed by two racing ticks to exactly one of them", async () => {
    const w = world();
    const [mine, theirs] = await Promise.all([w.outboxOf("a").record([started, ready]), w.outboxOf("b").record([started, ready])]);
    expect(mine.length + theirs.length).toBe(2);
    expect(new Set([...mine, ...theirs].map((entry) => entry.id)).size).toBe(2);
  });

  it("re-sends an event whose recorder died before delivering it, at once when the recorder is known gone", async () => {
    const w = world();
    await w.outboxOf("a").record([started]);
    // "a" was killed here. While it might still be alive and within the grace, nobody re-sends.
    expect(await w.outboxOf("b").resendPending()).toBe(0);
    w.gone.add("a");
    expect(await w.outboxOf("b").resendPending()).toBe(1);
    expect(w.bus.accepted.map((e) => e.detailType)).toEqual(["Run Started"]);
    expect(await w.state.list(stateKeys.outboxPrefix())).toEqual([]);
  });

  it("re-sends an event left pending past the grace period even when nobody knows its recorder is gone", async () => {
    const w = world();
    await w.outboxOf("a").record([ready]);
    w.advance(60_000);
    expect(await w.outboxOf("b").resendPending()).toBe(1);
    expect(await w.outboxOf("c").resendPending()).toBe(0);
    expect(w.bus.accepted).toHaveLength(1);
  });

  it("keeps what the bus refused pending, and marks the rest delivered", async () => {
    const w = world();
    const outbox = w.outboxOf("a");
    w.bus.refuseNext([1]);
    await expect(outbox.deliver(await outbox.record([started, ready]))).rejects.toThrow("some refused");
    expect(await w.state.get(stateKeys.deliveredMarker(started.id))).toBeDefined();
    expect(await w.state.list(stateKeys.outboxPrefix())).toEqual([stateKeys.outboxEntry(ready.id)]);
    w.advance(60_000);
    expect(await outbox.resendPending()).toBe(1);
    expect(w.bus.accepted.map((e) => e.detailType)).toEqual(["Run Started", "Artifacts Ready"]);
  });

  it("keeps everything pending when the bus is down, and delivers it once the bus is back", async () => {
    const w = world();
    const outbox = w.outboxOf("a");
    w.bus.refuseNext("all");
    await expect(outbox.deliver(await outbox.record([started]))).rejects.toThrow("bus down");
    expect(w.bus.accepted).toHaveLength(0);
    w.advance(60_000);
    expect(await outbox.resendPending()).toBe(1);
    expect(w.bus.accepted).toHaveLength(1);
  });

  it("refuses an event id that is not about a valid run", async () => {
    const w = world();
    await expect(w.outboxOf("a").record([{ ...started, id: "../../etc/started" }])).rejects.toThrow(/not an ObjectId/);
  });
});
