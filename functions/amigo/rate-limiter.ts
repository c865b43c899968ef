/**
 * Staying inside Amigo's published rate limits from our side: at most `share` of each
 * endpoint's per-minute limit in any sliding minute, counted in requests, so a burst of
 * commands (or a poller following many runs) queues here instead of meeting 429s. A wait that
 * would end past the caller's deadline is not made: the call fails with RateLimited at once,
 * saying when the next request fits, and the caller defers the work. The requests of an
 * earlier process (a previous Lambda invocation) can be restored, so a cold start keeps the
 * pace. A 429 that comes anyway (another client of the same user) still waits for its
 * Retry-After, if the deadline allows.
 */
import { RateLimited } from "../core/model/amigo-errors.js";
import { type Deadline, NO_DEADLINE } from "../core/util/deadline.js";
import { type AmigoEndpoint, describeEndpoint, PUBLISHED_RATE_LIMITS } from "./endpoints.js";

const WINDOW_MS = 60_000;

/** Request times (ms since the epoch) by endpoint, within the last minute. */
export type SentRequests = Partial<Record<AmigoEndpoint, number[]>>;

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
  async take(endpoint: AmigoEndpoint, deadline: Deadline = NO_DEADLINE): Promise<void> {
    const allowance = this.allowance(endpoint);
    for (;;) {
      const now = this.now();
      const recent = this.recentOf(endpoint, now);
      if (recent.length < allowance) {
        recent.push(now);
        return;
      }
      const waitMs = (recent[0] ?? now) + WINDOW_MS - now + 1;
      if (waitMs > deadline.remainingMs()) {
        throw new RateLimited(
          `Amigo allows simwatch ${allowance} requests a minute to ${describeEndpoint(endpoint)} here; the next one fits in ${Math.ceil(waitMs / 1000)} s, after this step's deadline`,
          { endpoint: describeEndpoint(endpoint), retryAfterSeconds: Math.ceil(waitMs / 1000) },
        );
      }
      await this.sleep(waitMs);
    }
  }

  /**
   * Counts requests another process made (kept in state), so this one keeps their pace. Times
   * this process counted already (a warm container restoring its own) are not counted twice.
   */
  restore(requests: SentRequests): void {
    const now = this.now();
    for (const [endpoint, times] of Object.entries(requests) as [AmigoEndpoint, number[]][]) {
      const restored = times.filter((at) => at > now - WINDOW_MS && at <= now);
      this.sent.set(endpoint, multisetUnion(this.recentOf(endpoint, now), restored));
    }
  }

  /** The requests of the last minute, by endpoint, to hand to the next process. */
  recent(): SentRequests {
    const now = this.now();
    const out: SentRequests = {};
    for (const endpoint of this.sent.keys()) {
      const times = this.recentOf(endpoint, now);
      if (times.length > 0) out[endpoint] = [...times];
    }
    return out;
  }

  private recentOf(endpoint: AmigoEndpoint, now: number): number[] {
    const recent = (this.sent.get(endpoint) ?? []).filter((at) => at > now - WINDOW_MS);
    this.sent.set(endpoint, recent);
    return recent;
  }
}

/** Each time as often as the more frequent of the two lists has it, sorted. */
function multisetUnion(a: readonly number[], b: readonly number[]): number[] {
  const counts = (list: readonly number[]) => list.reduce((map, at) => map.set(at, (map.get(at) ?? 0) + 1), new Map<number, number>());
  const left = counts(a);
  for (const [at, count] of counts(b)) left.set(at, Math.max(count, left.get(at) ?? 0));
  return [...left].flatMap(([at, count]) => Array<number>(count).fill(at)).sort((x, y) => x - y);
}
