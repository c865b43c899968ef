/**
 * Staying inside Amigo's published rate limits from our side: at most `share` of each
 * endpoint's per-minute limit in any sliding minute, so a burst of commands (or a poller
 * following many runs) queues here instead of meeting 429s. A 429 that comes anyway (another
 * client of the same user) still waits for its Retry-After.
 */
import { type AmigoEndpoint, PUBLISHED_RATE_LIMITS } from "./endpoints.js";

const WINDOW_MS = 60_000;

export class ClientRateLimiter {
  private readonly sent = new Map<AmigoEndpoint, number[]>();

  constructor(
    /** The share of each limit this process may use (the others share the rest). */
    private readonly share: number,
    private readonly sleep: (ms: number) => Promise<void>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Per-minute allowance of `endpoint` for this process. */
  allowance(endpoint: AmigoEndpoint): number {
    return Math.max(1, Math.floor(PUBLISHED_RATE_LIMITS[endpoint] * this.share));
  }

  /** Waits until one more request to `endpoint` fits in the sliding minute, then counts it. */
  async take(endpoint: AmigoEndpoint): Promise<void> {
    const allowance = this.allowance(endpoint);
    for (;;) {
      const now = this.now();
      const recent = (this.sent.get(endpoint) ?? []).filter((at) => at > now - WINDOW_MS);
      if (recent.length < allowance) {
        recent.push(now);
        this.sent.set(endpoint, recent);
        return;
      }
      this.sent.set(endpoint, recent);
      await this.sleep((recent[0] ?? now) + WINDOW_MS - now + 1);
    }
  }
}
