import { describe, expect, it } from "vitest";
import { ClaimLost, createClaims, keepAlive } from "../../../../functions/core/idempotency/claims.js";
import type { ClaimOwner } from "../../../../functions/core/ports.js";
import { MemoryStateStore } from "../../../support/memory-state-store.js";

const KEY = "_simwatch/runs/0123456789abcdef01234567/archiving.json";

function world() {
  let now = Date.parse("2026-04-01T12:00:00Z");
  const state = new MemoryStateStore();
  const gone = new Set<string>();
  const clock = { now: () => new Date(now) };
  const owner = (id: string): ClaimOwner => ({ id, isGone: (other) => gone.has(other) });
  const claimsOf = (id: string) => createClaims({ state, clock, owner: owner(id) });
  return { state, clock, claimsOf, gone, advance: (ms: number) => (now += ms) };
}

describe("claims", () => {
  it("gives the work to one holder; another is told it is busy while the claim is alive", async () => {
    const w = world();
    const first = await w.claimsOf("a").acquire(KEY, { ttlMs: 60_000, progress: { step: 0 } });
    expect(first.status).toBe("acquired");
    expect((await w.claimsOf("b").acquire(KEY, { ttlMs: 60_000, progress: { step: 0 } })).status).toBe("busy");
  });

  it("hands a stale claim over with its recorded progress and the record taken over", async () => {
    const w = world();
    const a = w.claimsOf("a");
    const held = await a.acquire(KEY, { ttlMs: 60_000, progress: { created: undefined as string | undefined } });
    if (held.status !== "acquired") throw new Error("not acquired");
    await a.checkpoint(held.claim, { created: "run-1" });
    w.advance(60_001);
    const taken = await w.claimsOf("b").acquire(KEY, { ttlMs: 60_000, progress: { created: undefined as string | undefined } });
    expect(taken.status).toBe("acquired");
    if (taken.status !== "acquired") return;
    expect(taken.claim.record.progress.created).toBe("run-1");
    expect(taken.claim.record.owner).toBe("b");
    expect(taken.previous).toMatchObject({ status: "in_progress", owner: "a" });
  });

  it("takes a claim over at once when its owner is known to be gone", async () => {
    const w = world();
    await w.claimsOf("a").acquire(KEY, { ttlMs: 60_000, progress: {} });
    w.gone.add("a");
    expect((await w.claimsOf("b").acquire(KEY, { ttlMs: 60_000, progress: {} })).status).toBe("acquired");
  });

  it("never lets a former holder release, checkpoint or complete a claim that was taken over", async () => {
    const w = world();
    const a = w.claimsOf("a");
    const old = await a.acquire(KEY, { ttlMs: 60_000, progress: {} });
    if (old.status !== "acquired") throw new Error("not acquired");
    w.advance(60_001);
    const taken = await w.claimsOf("b").acquire(KEY, { ttlMs: 60_000, progress: {} });
    expect(taken.status).toBe("acquired");

    await a.release(old.claim);
    await expect(a.checkpoint(old.claim, {})).rejects.toBeInstanceOf(ClaimLost);
    await expect(a.complete(old.claim)).rejects.toBeInstanceOf(ClaimLost);
    expect((await w.state.get<{ owner: string; status: string }>(KEY))?.value).toMatchObject({ owner: "b", status: "in_progress" });
    expect((await w.claimsOf("c").acquire(KEY, { ttlMs: 60_000, progress: {} })).status).toBe("busy");
  });

  it("keeps a completed claim as the done-marker, and lets anyone start afresh after a release", async () => {
    const w = world();
    const a = w.claimsOf("a");
    const first = await a.acquire(KEY, { ttlMs: 60_000, progress: { n: 1 } });
    if (first.status !== "acquired") throw new Error("not acquired");
    await a.release(first.claim);
    const again = await w.claimsOf("b").acquire(KEY, { ttlMs: 60_000, progress: { n: 2 } });
    if (again.status !== "acquired") throw new Error("not acquired after release");
    expect(again.claim.record.progress.n).toBe(2);
    await w.claimsOf("b").complete(again.claim, { n: 3 });
    w.advance(3_600_000);
    const later = await w.claimsOf("c").acquire(KEY, { ttlMs: 60_000, progress: { n: 0 } });
    expect(later).toMatchObject({ status: "completed", record: { progress: { n: 3 } } });
  });

  it("renews a held claim while the work goes on, and aborts the work if the claim is lost", async () => {
    const w = world();
    const a = w.claimsOf("a");
    const held = await a.acquire(KEY, { ttlMs: 1_000, progress: {} });
    if (held.status !== "acquired") throw new Error("not acquired");
    const alive = keepAlive(a, held.claim, { ttlMs: 1_000, everyMs: 10 });
    await new Promise((resolve) => setTimeout(resolve, 40));
    w.advance(900);
    await new Promise((resolve) => setTimeout(resolve, 40));
    // Renewed after the clock moved: another worker still finds it alive.
    expect((await w.claimsOf("b").acquire(KEY, { ttlMs: 1_000, progress: {} })).status).toBe("busy");
    // Someone overwrites it (as a takeover would): the heartbeat notices and aborts.
    const current = await w.state.get<object>(KEY);
    await w.state.replace(KEY, { ...(current?.value ?? {}), owner: "z" }, current?.etag ?? "");
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(alive.signal.aborted).toBe(true);
    await alive.stop();
  });
});
