/**
 * Mongo-like ObjectIds, deterministic: 8 hex digits of creation time (seconds), 10 of a
 * fixed "machine" part derived from a name, 6 of a counter. The same simulator doing the
 * same things hands out the same ids.
 */
import { createHash } from "node:crypto";

export class ObjectIdFactory {
  private counter = 0;
  private readonly machine: string;

  constructor(name: string) {
    this.machine = sha1Hex(name).slice(0, 10);
  }

  next(atMs: number): string {
    const seconds = Math.max(0, Math.floor(atMs / 1000));
    const count = this.counter++ % 0x1000000;
    return seconds.toString(16).padStart(8, "0").slice(-8) + this.machine + count.toString(16).padStart(6, "0");
  }
}

/** An id for something derived from other ids (e.g. one metric evaluation), stable across calls. */
export function derivedObjectId(atMs: number, ...parts: (string | number)[]): string {
  const seconds = Math.max(0, Math.floor(atMs / 1000));
  return seconds.toString(16).padStart(8, "0").slice(-8) + sha1Hex(parts.join(":")).slice(0, 16);
}

export function sha1Hex(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}
