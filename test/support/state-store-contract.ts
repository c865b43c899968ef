/**
 * The StateStore contract, written once and run against every implementation (S3 on RADOS
 * Gateway, filesystem, memory): conditional create and replace, delete, and listing.
 * Keys follow the `_simwatch/` layout of core/idempotency/state-keys.ts, spelled out literally.
 */
import { describe, expect, it } from "vitest";
import type { StateStore } from "../../functions/core/ports.js";

/** Makes an empty store for one test. */
export type StateStoreFactory = () => Promise<StateStore>;

interface Counter {
  count: number;
  writers: string[];
}

/** Read-modify-write until the conditional replace wins: the way callers use `replace`. */
async function increment(store: StateStore, key: string, writer: string): Promise<number> {
  for (let attempt = 1; attempt <= 200; attempt++) {
    const current = await store.get<Counter>(key);
    if (current === undefined) throw new Error(`${key} vanished`);
    const next = { count: current.value.count + 1, writers: [...current.value.writers, writer] };
    if (await store.replace(key, next, current.etag)) return attempt;
  }
  throw new Error(`${writer} never won a replace`);
}

export function describeStateStoreContract(name: string, makeStore: StateStoreFactory): void {
  describe(`${name} (StateStore contract)`, () => {
    it("returns undefined for a key that was never written", async () => {
      const store = await makeStore();
      expect(await store.get("_simwatch/nothing/here.json")).toBeUndefined();
    });

    it("creates a key once and reads back the value with a version", async () => {
      const store = await makeStore();
      const key = "_simwatch/watch/65a1b2c3d4e5f6a7b8c9d0e1.json";
      const value = { runId: "65a1b2c3d4e5f6a7b8c9d0e1", names: ["Ünïcode ✓", "quote \" and \\"], nested: { n: 1.5, none: null } };
      expect(await store.create(key, value)).toBe(true);
      const read = await store.get<typeof value>(key);
      expect(read?.value).toEqual(value);
      expect(typeof read?.etag).toBe("string");
      expect(read?.etag).not.toBe("");
    });

    it("refuses to create a key that exists, leaving its value alone", async () => {
      const store = await makeStore();
      const key = "_simwatch/done/65a1b2c3d4e5f6a7b8c9d0e1/started";
      expect(await store.create(key, { first: true })).toBe(true);
      expect(await store.create(key, { first: false })).toBe(false);
      expect((await store.get(key))?.value).toEqual({ first: true });
    });

    it("lets exactly one of 20 concurrent creates of the same key win", async () => {
      const store = await makeStore();
      const key = "_simwatch/done/65a1b2c3d4e5f6a7b8c9d0e1/archived";
      const results = await Promise.all(Array.from({ length: 20 }, (_, writer) => store.create(key, { writer })));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect((await store.get(key))?.value).toEqual({ writer: winner });
    });

    it("replaces a value at its current version, and refuses a stale version", async () => {
      const store = await makeStore();
      const key = "_simwatch/poller/cursor.json";
      await store.create(key, { listedAt: "2026-01-01T00:00:00Z" });
      const first = await store.get<{ listedAt: string }>(key);
      if (!first) throw new Error("not created");

      expect(await store.replace(key, { listedAt: "2026-01-01T00:01:00Z" }, first.etag)).toBe(true);
      const second = await store.get<{ listedAt: string }>(key);
      expect(second?.value).toEqual({ listedAt: "2026-01-01T00:01:00Z" });
      expect(second?.etag).not.toBe(first.etag);

      expect(await store.replace(key, { listedAt: "stale writer" }, first.etag)).toBe(false);
      expect((await store.get(key))?.value).toEqual({ listedAt: "2026-01-01T00:01:00Z" });

      if (!second) throw new Error("not replaced");
      expect(await store.replace(key, { listedAt: "2026-01-01T00:02:00Z" }, second.etag)).toBe(true);
      expect((await store.get(key))?.value).toEqual({ listedAt: "2026-01-01T00:02:00Z" });
    });

    it("refuses to replace a key that does not exist, and does not create it", async () => {
      const store = await makeStore();
      const key = "_simwatch/sets/65a1b2c3d4e5f6a7b8c9d0e1/last-finished.json";
      await store.create(`${key}.elsewhere`, { unrelated: true });
      const etag = (await store.get(`${key}.elsewhere`))?.etag ?? "0123456789abcdef";
      expect(await store.replace(key, { runId: "x" }, etag)).toBe(false);
      expect(await store.get(key)).toBeUndefined();
    });

    it("counts every one of 20 concurrent read-modify-write increments exactly once", async () => {
      const store = await makeStore();
      const key = "_simwatch/test/counter.json";
      await store.create<Counter>(key, { count: 0, writers: [] });
      const writers = Array.from({ length: 20 }, (_, i) => `writer-${i}`);
      await Promise.all(writers.map((writer) => increment(store, key, writer)));
      const final = await store.get<Counter>(key);
      expect(final?.value.count).toBe(20);
      expect([...(final?.value.writers ?? [])].sort()).toEqual([...writers].sort());
    });

    it("deletes a key (deleting a missing key is fine), after which it can be created again", async () => {
      const store = await makeStore();
      const key = "_simwatch/commands/trigger.12345.abc";
      await store.create(key, { handled: 1 });
      await store.delete(key);
      expect(await store.get(key)).toBeUndefined();
      await store.delete(key);
      expect(await store.create(key, { handled: 2 })).toBe(true);
      expect((await store.get(key))?.value).toEqual({ handled: 2 });
    });

    it("lists the keys under a prefix, at any depth and not only at a / boundary", async () => {
      const store = await makeStore();
      const keys = [
        "_simwatch/runs/r1/origin.json",
        "_simwatch/runs/r1/messages/C1.json",
        "_simwatch/runs/r10/origin.json",
        "_simwatch/runs/r2/origin.json",
        "_simwatch/watch/r1.json",
      ];
      for (const key of keys) await store.create(key, { key });
      expect((await store.list("_simwatch/runs/r1")).sort()).toEqual([
        "_simwatch/runs/r1/messages/C1.json",
        "_simwatch/runs/r1/origin.json",
        "_simwatch/runs/r10/origin.json",
      ]);
      expect((await store.list("_simwatch/runs/r1/")).sort()).toEqual([
        "_simwatch/runs/r1/messages/C1.json",
        "_simwatch/runs/r1/origin.json",
      ]);
      expect((await store.list("_simwatch/")).sort()).toEqual([...keys].sort());
      expect(await store.list("_simwatch/nothing/")).toEqual([]);
    });

    it("lists every key when there are more than one page of them", async () => {
      const store = await makeStore();
      const keys = Array.from({ length: 23 }, (_, i) => `_simwatch/watch/run${String(i).padStart(3, "0")}.json`);
      await Promise.all(keys.map((key) => store.create(key, { key })));
      expect((await store.list("_simwatch/watch/")).sort()).toEqual([...keys].sort());
    });
  });
}
