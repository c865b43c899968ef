/**
 * Runs one logical Amigo call: signs in when needed, sends attempts, retries what is
 * safe to retry, signs in again once after a 401, validates the answer and maps error
 * answers to typed errors. Every attempt is counted and logged (without secrets).
 */
import type * as z from "zod/mini";
import { AmigoApiError, DeadlineReached, isAmigoError } from "../core/model/amigo-errors.js";
import { SignInResponse } from "../core/model/amigo-model.js";
import type { Clock } from "../core/ports.js";
import { type Deadline, NO_DEADLINE } from "../core/util/deadline.js";
import { type AmigoEndpoint, AMIGO_ENDPOINTS, describeEndpoint, endpointPath } from "./endpoints.js";
import { errorFromAnswer, readErrorDetail } from "./error-mapping.js";
import type { AmigoLogger } from "./logger.js";
import type { AmigoCredentials } from "../core/config.js";
import type { AmigoRequestInfo } from "./options.js";
import { type QueryValue, toQuery } from "./query.js";
import { Redactor } from "./redactor.js";
import { backoffDelayMs, parseRetryAfterSeconds, type RetryOptions } from "./retry-policy.js";
import type { ClientRateLimiter } from "./rate-limiter.js";
import { TokenCache } from "./token-cache.js";
import { type Answer, type FetchLike, sendAttempt } from "./transport.js";
import { parseAnswer } from "./validate.js";

/**
 * `idempotent`: retried on 429, 5xx, timeouts and connection errors.
 * `once`: not idempotent (createRun): retried only on a 429 that says when to come back,
 * because then the server certainly did nothing.
 */
export type RetryMode = "idempotent" | "once";

export interface CallSpec<S extends z.ZodMiniType | undefined> {
  endpoint: AmigoEndpoint;
  runId?: string;
  query?: Record<string, QueryValue>;
  json?: unknown;
  /** Undefined for calls answered with no body (204). */
  schema: S;
  retry: RetryMode;
  /** Names the run or set in error messages. */
  subject?: string;
  signal?: AbortSignal;
  /** No attempt starts, and no wait is made, past this (the calling step's deadline). */
  deadline?: Deadline;
}

/** What list readers and the client's methods call through: the requester, or a deadline-bound view of it. */
export interface AmigoCaller {
  call<S extends z.ZodMiniType | undefined>(spec: CallSpec<S>): Promise<Parsed<S>>;
  log(level: "debug" | "info" | "warn", event: string, fields: Record<string, unknown>): void;
}

/** An attempt needs at least this long before the deadline to be worth starting. */
const SHORTEST_ATTEMPT_MS = 1_000;

export interface RequesterDeps {
  baseUrl: string;
  credentials: AmigoCredentials;
  timeoutMs: number;
  retry: RetryOptions;
  refreshMarginMs: number;
  fetch: FetchLike;
  clock: Clock;
  logger: AmigoLogger;
  onRequest: ((info: AmigoRequestInfo) => void) | undefined;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Holds requests back to stay inside the published limits; none = no holding back. */
  limiter: ClientRateLimiter | undefined;
}

type Parsed<S> = S extends z.ZodMiniType ? z.infer<S> : undefined;

export class Requester implements AmigoCaller {
  readonly redactor = new Redactor();
  private readonly tokens: TokenCache;
  private readonly counts = new Map<AmigoEndpoint, number>();
  /** Identical reads in flight, answered once. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: RequesterDeps) {
    this.redactor.add(deps.credentials.apiKey);
    this.redactor.add(deps.credentials.apiKeyId);
    this.tokens = new TokenCache((deadline) => this.signIn(deadline), deps.clock, deps.refreshMarginMs);
  }

  /** The same requester (token, limits, shared reads), every call bound to `deadline`. */
  bounded(deadline: Deadline): AmigoCaller {
    return { call: (spec) => this.call({ ...spec, deadline }), log: (level, event, fields) => this.log(level, event, fields) };
  }

  /** HTTP attempts per endpoint since the client was created. */
  requestCounts(): Partial<Record<AmigoEndpoint, number>> {
    return Object.fromEntries(this.counts);
  }

  /** Signs in now if there is no fresh token (useful to fail fast on bad credentials). */
  async ensureToken(): Promise<void> {
    try {
      await this.tokens.get();
    } catch (error) {
      throw this.scrub(error);
    }
  }

  async call<S extends z.ZodMiniType | undefined>(spec: CallSpec<S>): Promise<Parsed<S>> {
    // A read already on its way (a burst of identical `/sim list`s) is shared, not repeated.
    const shared = AMIGO_ENDPOINTS[spec.endpoint].method === "GET" && spec.signal === undefined;
    const key = shared ? `${spec.endpoint} ${spec.runId ?? ""} ${JSON.stringify(spec.query ?? {})}` : undefined;
    const pending = key === undefined ? undefined : this.inFlight.get(key);
    if (pending) return pending as Promise<Parsed<S>>;
    const answer = this.callUnredacted(spec).catch((error: unknown) => {
      throw this.scrub(error);
    });
    if (key !== undefined) {
      this.inFlight.set(key, answer);
      void answer.then(
        () => this.inFlight.delete(key),
        () => this.inFlight.delete(key),
      );
    }
    return answer;
  }

  private async callUnredacted<S extends z.ZodMiniType | undefined>(spec: CallSpec<S>): Promise<Parsed<S>> {
    const authenticated = spec.endpoint !== "signIn";
    let signedInAgain = false;
    let retries = 0;
    for (let attempt = 1; ; attempt++) {
      const token = authenticated ? await this.tokens.get(spec.deadline) : undefined;
      let answer: Answer;
      try {
        answer = await this.attempt(spec, attempt, token);
      } catch (error) {
        const backoff = backoffDelayMs(retries, this.deps.retry, this.deps.random);
        if (spec.retry === "idempotent" && retries + 1 < this.deps.retry.attempts && isTransient(error) && this.waitFits(spec, backoff)) {
          retries++;
          await this.pause(spec, attempt, backoff, (error as Error).name);
          continue;
        }
        throw error;
      }

      if (answer.status >= 200 && answer.status < 300) {
        if (spec.schema === undefined) return undefined as Parsed<S>;
        return parseAnswer(spec.schema, answer.body, spec.endpoint, answer.status) as Parsed<S>;
      }
      if (answer.status === 401 && token !== undefined && !signedInAgain) {
        // The token may have been revoked or expired early: one fresh sign-in, one retry.
        signedInAgain = true;
        this.tokens.invalidate(token);
        this.log("info", "amigo.reauthenticate", { endpoint: spec.endpoint });
        continue;
      }
      const delay = this.retryDelay(spec, answer, retries);
      if (delay !== undefined && this.waitFits(spec, delay)) {
        retries++;
        await this.pause(spec, attempt, delay, `status ${answer.status}`);
        continue;
      }
      throw errorFromAnswer({
        endpoint: spec.endpoint,
        status: answer.status,
        detail: this.redactText(readErrorDetail(answer.body)),
        retryAfterSeconds: parseRetryAfterSeconds(answer.headers.get("retry-after"), this.deps.clock.now()),
        ...(spec.subject === undefined ? {} : { subject: spec.subject }),
      });
    }
  }

  /** Whether a wait of `ms` ends in time for another attempt before the call's deadline. */
  private waitFits(spec: CallSpec<z.ZodMiniType | undefined>, ms: number): boolean {
    return ms + SHORTEST_ATTEMPT_MS <= (spec.deadline ?? NO_DEADLINE).remainingMs();
  }

  /** How long to wait before retrying this answer, or undefined to give up now. */
  private retryDelay(spec: CallSpec<z.ZodMiniType | undefined>, answer: Answer, retries: number): number | undefined {
    if (retries + 1 >= this.deps.retry.attempts) return undefined;
    const { status } = answer;
    if (status === 429) {
      const retryAfter = parseRetryAfterSeconds(answer.headers.get("retry-after"), this.deps.clock.now());
      if (retryAfter === undefined) {
        return spec.retry === "idempotent" ? backoffDelayMs(retries, this.deps.retry, this.deps.random) : undefined;
      }
      const waitMs = retryAfter * 1000;
      return waitMs <= this.deps.retry.maxRetryAfterMs ? waitMs : undefined;
    }
    if (status >= 500 && spec.retry === "idempotent") {
      // A maintenance 503 may say when to come back; otherwise back off.
      const retryAfter = parseRetryAfterSeconds(answer.headers.get("retry-after"), this.deps.clock.now());
      if (retryAfter === undefined) return backoffDelayMs(retries, this.deps.retry, this.deps.random);
      return retryAfter * 1000 <= this.deps.retry.maxRetryAfterMs ? retryAfter * 1000 : undefined;
    }
    return undefined;
  }

  private async attempt(spec: CallSpec<z.ZodMiniType | undefined>, attempt: number, token: string | undefined): Promise<Answer> {
    const { method } = AMIGO_ENDPOINTS[spec.endpoint];
    const url = new URL(this.deps.baseUrl.replace(/\/+$/, "") + endpointPath(spec.endpoint, this.deps.credentials.orgId, spec.runId));
    if (spec.query !== undefined) url.search = toQuery(spec.query).toString();
    const headers: Record<string, string> = { accept: "application/json" };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (spec.endpoint === "signIn") {
      headers["x-api-key"] = this.deps.credentials.apiKey;
      headers["x-api-key-id"] = this.deps.credentials.apiKeyId;
      headers["x-user-id"] = this.deps.credentials.userId;
    }
    if (spec.json !== undefined) headers["content-type"] = "application/json";

    const deadline = spec.deadline ?? NO_DEADLINE;
    await this.deps.limiter?.take(spec.endpoint, deadline);
    const timeLeft = deadline.remainingMs();
    if (timeLeft < SHORTEST_ATTEMPT_MS) {
      throw new DeadlineReached(`No time is left before this step's deadline to call ${describeEndpoint(spec.endpoint)}`, { endpoint: describeEndpoint(spec.endpoint) });
    }
    this.counts.set(spec.endpoint, (this.counts.get(spec.endpoint) ?? 0) + 1);
    const started = performance.now();
    let status: number | undefined;
    try {
      const answer = await sendAttempt(this.deps.fetch, {
        endpoint: spec.endpoint,
        url,
        method,
        headers,
        timeoutMs: Math.min(this.deps.timeoutMs, timeLeft),
        ...(spec.json === undefined ? {} : { body: JSON.stringify(spec.json) }),
        ...(spec.signal === undefined ? {} : { signal: spec.signal }),
      });
      status = answer.status;
      return answer;
    } catch (error) {
      // Cut short by the deadline, not by Amigo being slow: the caller defers, it does not retry.
      if (isAmigoError(error, "timeout") && timeLeft < this.deps.timeoutMs) {
        throw new DeadlineReached(`${describeEndpoint(spec.endpoint)} did not answer before this step's deadline`, { endpoint: describeEndpoint(spec.endpoint), cause: error });
      }
      throw error;
    } finally {
      const durationMs = Math.round(performance.now() - started);
      this.deps.onRequest?.({ endpoint: spec.endpoint, method, status, attempt, durationMs });
      this.log(status === undefined || status >= 400 ? "warn" : "debug", "amigo.request", {
        endpoint: spec.endpoint,
        method,
        // The path only: presigned-style query strings could carry signatures.
        path: url.pathname,
        status: status ?? null,
        attempt,
        durationMs,
      });
    }
  }

  /** Signing in keeps the deadline of the call that needed the token: Amigo allows only 5 a minute. */
  private async signIn(deadline?: Deadline): Promise<{ token: string; expiresAt: Date }> {
    const answer = await this.callUnredacted({ endpoint: "signIn", schema: SignInResponse, retry: "idempotent", ...(deadline ? { deadline } : {}) });
    this.redactor.add(answer.id_token);
    const expiresAt = new Date(answer.expires_at);
    if (Number.isNaN(expiresAt.getTime())) {
      // An unreadable expiry: treat the token as good for a minute rather than forever.
      return { token: answer.id_token, expiresAt: new Date(this.deps.clock.now().getTime() + 60_000) };
    }
    this.log("info", "amigo.signed_in", { expiresAt: expiresAt.toISOString() });
    return { token: answer.id_token, expiresAt };
  }

  private async pause(spec: CallSpec<z.ZodMiniType | undefined>, attempt: number, delayMs: number, reason: string): Promise<void> {
    this.log("info", "amigo.retry", { endpoint: spec.endpoint, attempt, delayMs, reason });
    await this.deps.sleep(delayMs);
  }

  /** One structured line through the client's logger, secrets redacted. */
  log(level: "debug" | "info" | "warn", event: string, fields: Record<string, unknown>): void {
    this.deps.logger.log(this.redactor.value({ level, event, ...fields }));
  }

  private redactText(text: string | undefined): string | undefined {
    return text === undefined ? undefined : this.redactor.text(text);
  }

  /** Makes sure no secret survives in an error's message or detail. */
  private scrub(error: unknown): unknown {
    if (!(error instanceof AmigoApiError)) return error;
    error.message = this.redactor.text(error.message);
    return error;
  }
}

function isTransient(error: unknown): boolean {
  return error instanceof AmigoApiError && (error.code === "timeout" || error.code === "network");
}
