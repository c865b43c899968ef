/**
 * The local bus made durable by its journal in the folder store: what one process accepted
 * and did not deliver (it was killed, or its consumer kept failing) the next one delivers.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FileSystemStateStore } from "../../functions/archive/fs-state-store.js";
import { BusJournal } from "../../functions/bus/bus-journal.js";
import { InProcessBus } from "../../functions/bus/in-process-bus.js";
import { event } from "../../functions/core/events.js";
import { silentLogger } from "../../functions/core/log.js";
import type { ClaimOwner } from "../../functions/core/ports.js";

const RUN = "0123456789abcdef01234567";
const SET = "fedcba9876543210fedcba98";
const ready = event("Artifacts Ready", { runId: RUN, setId: SET });

let root = "";
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

async function world() {
  root = await mkdtemp(join(tmpdir(), "simwatch-journal-"));
  const state = new FileSystemStateStore({ root });
  let now = Date.parse("2026-04-01T12:00:00Z");
  const clock = { now: () => new Date(now) };
  const gone = new Set<string>();
  const processOf = (id: string) => {
    const owner: ClaimOwner = { id, isGone: (other) => gone.has(other) };
    return new InProcessBus({ log: silentLogger, retryDelayMs: 1, journal: new BusJournal({ state, clock, owner, log: silentLogger }) });
  };
  return { state, gone, processOf, advance: (ms: number) => (now += ms) };
}

describe("the in-process bus with a journal", () => {
  it("keeps an accepted delivery in state until its consumer has handled it", async () => {
    const w = await world();
    const bus = w.processOf("one");
    let release: () => void = () => {};
    const handled: string[] = [];
    bus.subscribe("Artifacts Ready", async (e) => {
      await new Promise<void>((resolve) => (release = resolve));
      handled.push(e.detail.runId);
    }, { name: "archiver", durable: true });
    await bus.publish([ready]);
    expect(await w.state.list("_simwatch/bus/")).toHaveLength(1);
    release();
    await bus.idle();
    expect(handled).toEqual([RUN]);
    expect(await w.state.list("_simwatch/bus/")).toEqual([]);
  });

  it("replays in the next process what a killed process accepted and never handled", async () => {
    const w = await world();
    const dead = w.processOf("dead");
    dead.subscribe("Artifacts Ready", () => new Promise<void>(() => {}), { name: "archiver", durable: true });
    await dead.publish([ready]);
    w.gone.add("dead");

    const next = w.processOf("next");
    const handled: string[] = [];
    next.subscribe("Artifacts Ready", (e) => void handled.push(e.detail.runId), { name: "archiver", durable: true });
    expect(await next.replay()).toBe(1);
    await next.idle();
    expect(handled).toEqual([RUN]);
    expect(await next.replay()).toBe(0);
    expect(await w.state.list("_simwatch/bus/")).toEqual([]);
  });

  it("does not replay what a live process is still handling, until the grace period has passed", async () => {
    const w = await world();
    const busy = w.processOf("busy");
    busy.subscribe("Artifacts Ready", () => new Promise<void>(() => {}), { name: "archiver", durable: true });
    await busy.publish([ready]);
    const other = w.processOf("other");
    other.subscribe("Artifacts Ready", () => {}, { name: "archiver", durable: true });
    expect(await other.replay()).toBe(0);
    w.advance(60_000);
    expect(await other.replay()).toBe(1);
  });

  it("retries a delivery whose consumer failed every quick attempt on a later round, then keeps it as dead", async () => {
    const w = await world();
    const bus = w.processOf("one");
    let failing = true;
    const handled: string[] = [];
    bus.subscribe("Artifacts Ready", (e) => {
      if (failing) throw new Error("Amigo is down");
      handled.push(e.detail.runId);
    }, { name: "archiver", durable: true });
    await bus.publish([ready]);
    await bus.idle();
    expect(bus.deadLetters).toHaveLength(1);
    expect(await bus.replay()).toBe(0);
    w.advance(60_000);
    failing = false;
    expect(await bus.replay()).toBe(1);
    await bus.idle();
    expect(handled).toEqual([RUN]);
    expect(await w.state.list("_simwatch/bus/")).toEqual([]);
  });

  it("journals nothing for subscribers that are not durable", async () => {
    const w = await world();
    const bus = w.processOf("one");
    bus.subscribe("Artifacts Ready", () => {}, { name: "recorder" });
    await bus.publish([ready]);
    await bus.idle();
    expect(await w.state.list("_simwatch/bus/")).toEqual([]);
  });
});
