/**
 * When and how long to wait before trying an Amigo call again: exponential backoff with
 * full jitter (a random wait between 0 and the capped exponential), and the server's
 * `Retry-After` when it sends one.
 */
import { backoffDelay } from "../core/util/backoff.js";

export interface RetryOptions {
  /** Total tries, the first included (1 = never retry). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited for: the call fails with RateLimited. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  attempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 30_000,
};

/** The wait before retry `retryIndex` (0 first): the one backoff simwatch uses everywhere. */
export function backoffDelayMs(retryIndex: number, options: RetryOptions, random: () => number): number {
  return backoffDelay(retryIndex, { baseMs: options.baseDelayMs, maxMs: options.maxDelayMs }, random);
}

/** `Retry-After` as seconds (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfterSeconds(header: string | null, now: Date): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now.getTime()) / 1000));
}
