/** What a caller configures on the Amigo client. */
import type { AmigoCredentials } from "../core/config.js";
import type { Clock } from "../core/ports.js";
import type { AmigoEndpoint } from "./endpoints.js";
import type { AmigoLogger } from "./logger.js";
import type { RetryOptions } from "./retry-policy.js";
import type { FetchLike } from "./transport.js";

/** Reported once per HTTP attempt (retries and sign-ins included), for counters and benchmarks. */
export interface AmigoRequestInfo {
  endpoint: AmigoEndpoint;
  method: string;
  /** HTTP status, or undefined when the attempt timed out or the connection failed. */
  status: number | undefined;
  /** 1 for the first try of a call, 2 for its first retry, ... */
  attempt: number;
  durationMs: number;
}

export interface AmigoClientOptions {
  /** e.g. `https://api.amigo.ai` (a trailing slash or path prefix is kept). */
  baseUrl: string;
  credentials: AmigoCredentials;
  /** Per HTTP attempt, body included. Default 15 s. */
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  /** Refresh the token this long before `expires_at`. Default 5 min. */
  tokenRefreshMarginMs?: number;
  fetch?: FetchLike;
  clock?: Clock;
  logger?: AmigoLogger;
  onRequest?: (info: AmigoRequestInfo) => void;
  /** Jitter source in [0, 1); tests may pin it. */
  random?: () => number;
  /** How the client waits between retries; tests may replace it. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * The share of Amigo's published per-endpoint limits this process may use (default 0.9: one
   * process doing everything, with a margin); false = no holding back (tests with limits off).
   */
  rateLimitShare?: number | false;
}

export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;
