/**
 * Waiting before trying again, one way everywhere (Amigo calls, PutEvents, conditional-write
 * conflicts): exponential backoff with full jitter, a uniform wait between 0 and
 * min(max, base * 2^retryIndex), so many callers retrying at once spread out.
 */
export { setTimeout as sleep } from "node:timers/promises";

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/** The wait before retry number `retryIndex` (0 for the first retry). */
export function backoffDelay(retryIndex: number, backoff: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, retryIndex));
  return Math.floor(random() * ceiling);
}
