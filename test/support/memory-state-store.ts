/**
 * StateStore in memory, with the S3 and filesystem stores' semantics (values stored as JSON
 * bytes, so what you get back is a copy; versions are hashes of those bytes). For tests of
 * the logic that uses state, and for a single-process demo.
 */
import type { StateStore, Versioned } from "../../functions/core/ports.js";
import { decodeState, encodeState, versionOf } from "../../functions/archive/state-codec.js";

export class MemoryStateStore implements StateStore {
  private readonly entries = new Map<string, { bytes: Buffer; etag: string }>();

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    const entry = this.entries.get(key);
    return entry && { value: decodeState<T>(key, entry.bytes), etag: entry.etag };
  }

  async create<T>(key: string, value: T): Promise<boolean> {
    const bytes = encodeState(key, value);
    if (this.entries.has(key)) return false;
    this.entries.set(key, { bytes, etag: versionOf(bytes) });
    return true;
  }

  async replace<T>(key: string, value: T, etag: string): Promise<boolean> {
    const bytes = encodeState(key, value);
    if (this.entries.get(key)?.etag !== etag) return false;
    this.entries.set(key, { bytes, etag: versionOf(bytes) });
    return true;
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.entries.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  /** Every key and its value, for assertions in tests. */
  snapshot(): Record<string, unknown> {
    return Object.fromEntries([...this.entries].map(([key, entry]) => [key, decodeState<unknown>(key, entry.bytes)]));
  }
}
