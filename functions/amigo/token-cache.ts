/**
 * The sign-in token, cached until a few minutes before it expires. Concurrent callers
 * share one in-flight sign-in (sign-in is limited to 5 a minute), and a token the
 * server refused is dropped once, however many calls saw it refused.
 */
import type { Clock } from "../core/ports.js";
import type { Deadline } from "../core/util/deadline.js";

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

export class TokenCache {
  private current: { token: string; refreshAt: number } | undefined;
  private inFlight: Promise<string> | undefined;

  constructor(
    private readonly signIn: (deadline?: Deadline) => Promise<IssuedToken>,
    private readonly clock: Clock,
    private readonly refreshMarginMs: number,
  ) {}

  /** The token, signing in first when needed, within `deadline` (the calling step's). */
  async get(deadline?: Deadline): Promise<string> {
    const current = this.current;
    if (current !== undefined && this.clock.now().getTime() < current.refreshAt) return current.token;
    this.inFlight ??= this.refresh(deadline).finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Forgets `token` if it is still the cached one (a refresh may already have replaced it). */
  invalidate(token: string): void {
    if (this.current?.token === token) this.current = undefined;
  }

  private async refresh(deadline?: Deadline): Promise<string> {
    const issuedAt = this.clock.now().getTime();
    const { token, expiresAt } = await this.signIn(deadline);
    const lifetime = expiresAt.getTime() - issuedAt;
    // Refresh `margin` early, but never sooner than halfway through a short-lived token.
    const margin = Math.min(this.refreshMarginMs, Math.max(0, lifetime / 2));
    this.current = { token, refreshAt: expiresAt.getTime() - margin };
    return token;
  }
}
