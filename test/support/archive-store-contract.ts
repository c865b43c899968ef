/**
 * The ArchiveStore contract, run against the S3 store (on RADOS Gateway) and the
 * filesystem store: whole objects or nothing, byte-exact streaming, clean failure and abort.
 */
import { describe, expect, it } from "vitest";
import { ContentLengthMismatchError } from "../../functions/archive/errors.js";
import type { ArchiveStore } from "../../functions/core/ports.js";
import { ByteSource, MIB, sha256 } from "./byte-source.js";

export interface ArchiveStoreHarness {
  store: ArchiveStore;
  /** The stored bytes of `key`, read behind the store's back; undefined when absent. */
  readBytes(key: string): Promise<Uint8Array | undefined>;
  /** Debris of unfinished writes: pending multipart uploads, temp files. */
  leftovers(): Promise<string[]>;
  /** What locationOf(key) must say. */
  expectedLocation(key: string): string;
}

const KEY = "runs/65a1b2c3d4e5f6a7b8c9d0e1/65b000000000000000000001/artifacts.zip";
const ZIP = "application/zip";

export function describeArchiveStoreContract(name: string, makeHarness: () => Promise<ArchiveStoreHarness>): void {
  describe(`${name} (ArchiveStore contract)`, () => {
    it("round-trips text, and knows which keys exist", async () => {
      const { store } = await makeHarness();
      const key = "runs/set/run/summary.md";
      expect(await store.exists(key)).toBe(false);
      expect(await store.getText(key)).toBeUndefined();
      const text = "# Run passed ✓\n\nÜnïcode and \"quotes\".\n";
      expect(await store.putText(key, text, "text/markdown; charset=utf-8")).toEqual({ location: store.locationOf(key) });
      expect(await store.getText(key)).toBe(text);
      expect(await store.exists(key)).toBe(true);
      expect(await store.exists("runs/set/run")).toBe(false);
    });

    it("lists keys under a prefix in key order, from after a given key", async () => {
      const { store } = await makeHarness();
      const keys = ["runs/b/2/run.json", "runs/a/1/run.json", "runs/a/1/summary.md", "runs/a-b/3/run.json", "other/x.txt"];
      for (const key of keys) await store.putText(key, key, "text/plain");
      const listed = async (startAfter?: string) => {
        const found: string[] = [];
        for await (const key of store.listKeys!("runs/", startAfter)) found.push(key);
        return found;
      };
      expect(await listed()).toEqual(["runs/a-b/3/run.json", "runs/a/1/run.json", "runs/a/1/summary.md", "runs/b/2/run.json"]);
      expect(await listed("runs/a/1/run.json")).toEqual(["runs/a/1/summary.md", "runs/b/2/run.json"]);
    });

    it("says where a key lives", async () => {
      const harness = await makeHarness();
      expect(harness.store.locationOf(KEY)).toBe(harness.expectedLocation(KEY));
    });

    it("streams 20 MB in uneven chunks and stores them byte for byte", async () => {
      const { store, readBytes, leftovers } = await makeHarness();
      const source = new ByteSource({ totalBytes: 20 * MIB });
      const result = await store.putStream(KEY, source, { contentType: ZIP });
      expect(result.location).toBe(store.locationOf(KEY));
      const stored = await readBytes(KEY);
      expect(stored?.byteLength).toBe(20 * MIB);
      expect(sha256(stored ?? new Uint8Array())).toBe(source.sha256());
      expect(await leftovers()).toEqual([]);
    });

    it("stores an empty stream as an empty object", async () => {
      const { store, readBytes } = await makeHarness();
      await store.putStream(KEY, new ByteSource({ totalBytes: 0 }), { contentType: ZIP, contentLength: 0 });
      expect((await readBytes(KEY))?.byteLength).toBe(0);
    });

    it("accepts a stream whose length matches the promised contentLength", async () => {
      const { store, readBytes } = await makeHarness();
      const source = new ByteSource({ totalBytes: 1_234_567 });
      await store.putStream(KEY, source, { contentType: ZIP, contentLength: 1_234_567 });
      expect(sha256((await readBytes(KEY)) ?? new Uint8Array())).toBe(source.sha256());
    });

    it("leaves nothing behind when the source fails half-way", async () => {
      const { store, leftovers } = await makeHarness();
      const failure = new Error("connection reset by the artifact server");
      const source = new ByteSource({ totalBytes: 24 * MIB, failAfterBytes: 12 * MIB, failWith: failure });
      await expect(store.putStream(KEY, source, { contentType: ZIP })).rejects.toBe(failure);
      expect(source.yieldedBytes).toBeGreaterThanOrEqual(12 * MIB);
      expect(await store.exists(KEY)).toBe(false);
      expect(await leftovers()).toEqual([]);
    });

    it("leaves nothing behind when aborted half-way, even while the source is stuck", async () => {
      const { store, leftovers } = await makeHarness();
      const source = new ByteSource({ totalBytes: 24 * MIB, stallAfterBytes: 12 * MIB });
      const controller = new AbortController();
      const upload = store.putStream(KEY, source, { contentType: ZIP, signal: controller.signal });
      await source.stalled;
      controller.abort();
      await expect(upload).rejects.toMatchObject({ name: "AbortError" });
      expect(await store.exists(KEY)).toBe(false);
      expect(await leftovers()).toEqual([]);
    });

    it("does not start when the signal is already aborted", async () => {
      const { store } = await makeHarness();
      const source = new ByteSource({ totalBytes: MIB });
      const reason = new Error("shutting down");
      await expect(store.putStream(KEY, source, { contentType: ZIP, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      expect(source.yieldedBytes).toBe(0);
      expect(await store.exists(KEY)).toBe(false);
    });

    it("refuses a stream shorter or longer than its contentLength, storing nothing", async () => {
      const { store, leftovers } = await makeHarness();
      const short = store.putStream(KEY, new ByteSource({ totalBytes: 6 * MIB }), { contentType: ZIP, contentLength: 7 * MIB });
      await expect(short).rejects.toBeInstanceOf(ContentLengthMismatchError);
      const long = store.putStream(KEY, new ByteSource({ totalBytes: 6 * MIB }), { contentType: ZIP, contentLength: 100 });
      await expect(long).rejects.toBeInstanceOf(ContentLengthMismatchError);
      expect(await store.exists(KEY)).toBe(false);
      expect(await leftovers()).toEqual([]);
    });

    it("keeps the previous object whole when an overwrite fails", async () => {
      const { store, readBytes } = await makeHarness();
      const first = new ByteSource({ totalBytes: 3 * MIB });
      await store.putStream(KEY, first, { contentType: ZIP });
      const broken = new ByteSource({ totalBytes: 16 * MIB, failAfterBytes: 11 * MIB });
      await expect(store.putStream(KEY, broken, { contentType: ZIP })).rejects.toThrow("the source broke part-way");
      expect(sha256((await readBytes(KEY)) ?? new Uint8Array())).toBe(first.sha256());
    });
  });
}
