/**
 * How state values become bytes, and their version tokens, for the filesystem and memory
 * stores. The token is a hash of the bytes, like S3's ETag (an MD5 of the body), so every
 * store agrees: writing identical bytes gives the same token again.
 */
import { createHash } from "node:crypto";
import { CorruptStateError } from "./errors.js";

export function encodeState(key: string, value: unknown): Buffer {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`State key ${key}: the value is not JSON-serialisable`);
  return Buffer.from(`${json}\n`, "utf8");
}

export function decodeState<T>(key: string, bytes: Uint8Array | string): T {
  const text = typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("utf8");
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new CorruptStateError(key, { cause: error });
  }
}

export function versionOf(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex").slice(0, 32);
}
