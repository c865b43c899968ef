/**
 * Per-endpoint, per-caller request limits over a sliding minute of simulator time,
 * answering how long to wait (Retry-After) when a caller is over.
 */
import { PUBLISHED_RATE_LIMITS, type SimEndpoint } from "./endpoints.js";

const WINDOW_MS = 60_000;

export class RateLimiter {
  enabled: boolean;
  limits: Partial<Record<SimEndpoint, number>> = { ...PUBLISHED_RATE_LIMITS };
  private readonly hits = new Map<string, number[]>();

  constructor(enabled: boolean) {
    this.enabled = enabled;
  }

  /** Records a request; returns seconds to wait when over the limit (the request is then not counted). */
  check(endpoint: SimEndpoint, caller: string, nowMs: number): { limit: number; remaining: number; retryAfterSeconds?: number } | undefined {
    const limit = this.limits[endpoint];
    if (!this.enabled || limit === undefined) return undefined;
    const key = `${endpoint}\u0000${caller}`;
    const recent = (this.hits.get(key) ?? []).filter((at) => at > nowMs - WINDOW_MS);
    if (recent.length >= limit) {
      this.hits.set(key, recent);
      const oldest = recent[0] ?? nowMs;
      return { limit, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil((oldest + WINDOW_MS - nowMs) / 1000)) };
    }
    recent.push(nowMs);
    this.hits.set(key, recent);
    return { limit, remaining: limit - recent.length };
  }

  reset(): void {
    this.hits.clear();
  }
}
