/**
 * Errors the Amigo client raises, as values a caller can branch on (`code`, or
 * `instanceof`). Pure: core code imports these to decide what to tell a user.
 * Messages never carry a credential or token (the client redacts them before building one).
 */

export const AMIGO_ERROR_CODES = [
  "active_run_exists",
  "run_not_in_progress",
  "artifacts_not_ready",
  "not_found",
  "rate_limited",
  "unauthorized",
  "forbidden",
  "invalid_request",
  "service_unavailable",
  "http_error",
  "bad_response",
  "timeout",
  "network",
  "deadline",
] as const;
export type AmigoErrorCode = (typeof AMIGO_ERROR_CODES)[number];

export interface AmigoErrorInit {
  /** HTTP status, when the server answered. */
  status?: number;
  /** The server's own explanation (`detail`, else `message`, else `error`), rendered readably. */
  detail?: string;
  /** Which call failed, e.g. `POST /v1/{org}/simulation/unit_test_set_run/`. */
  endpoint?: string;
  cause?: unknown;
}

/** Base of every error the Amigo client raises. */
export class AmigoApiError extends Error {
  readonly code: AmigoErrorCode;
  readonly status: number | undefined;
  readonly detail: string | undefined;
  readonly endpoint: string | undefined;

  constructor(code: AmigoErrorCode, message: string, init: AmigoErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "AmigoApiError";
    this.code = code;
    this.status = init.status;
    this.detail = init.detail;
    this.endpoint = init.endpoint;
  }
}

/** 409 on create: this user already has an unfinished run of the set. */
export class ActiveRunExists extends AmigoApiError {
  constructor(message: string, init: AmigoErrorInit = {}) {
    super("active_run_exists", message, init);
    this.name = "ActiveRunExists";
  }
}

/** 409 on cancel: the run has already finished. */
export class RunNotInProgress extends AmigoApiError {
  constructor(message: string, init: AmigoErrorInit = {}) {
    super("run_not_in_progress", message, init);
    this.name = "RunNotInProgress";
  }
}

/** 400 on artifacts: the run has not finished, or its artifacts are still being generated. */
export class ArtifactsNotReady extends AmigoApiError {
  constructor(message: string, init: AmigoErrorInit = {}) {
    super("artifacts_not_ready", message, init);
    this.name = "ArtifactsNotReady";
  }
}

/** 404: the organization, set or run does not exist (or is not visible to this user). */
export class NotFound extends AmigoApiError {
  constructor(message: string, init: AmigoErrorInit = {}) {
    super("not_found", message, init);
    this.name = "NotFound";
  }
}

/** 429 after the client's own retries (or a Retry-After too long to wait for). */
export class RateLimited extends AmigoApiError {
  /** From `Retry-After`, when the server sent one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, init: AmigoErrorInit & { retryAfterSeconds?: number } = {}) {
    super("rate_limited", message, init);
    this.name = "RateLimited";
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** 401 even after signing in again: the API key, key id or user id is wrong. */
export class Unauthorized extends AmigoApiError {
  constructor(message: string, init: AmigoErrorInit = {}) {
    super("unauthorized", message, init);
    this.name = "Unauthorized";
  }
}

/** 403: the user lacks a permission the call needs. */
export class Forbidden extends AmigoApiError {
  constructor(message: string, init: AmigoErrorInit = {}) {
    super("forbidden", message, init);
    this.name = "Forbidden";
  }
}

/** 422: the server rejected a parameter (bad id, bad filter value). */
export class InvalidRequest extends AmigoApiError {
  constructor(message: string, init: AmigoErrorInit = {}) {
    super("invalid_request", message, init);
    this.name = "InvalidRequest";
  }
}

/** 5xx after the client's retries (503 is Amigo's maintenance answer). */
export class ServiceUnavailable extends AmigoApiError {
  constructor(message: string, init: AmigoErrorInit = {}) {
    super("service_unavailable", message, init);
    this.name = "ServiceUnavailable";
  }
}

/** Any other unexpected HTTP status. */
export class UnexpectedStatus extends AmigoApiError {
  constructor(message: string, init: AmigoErrorInit = {}) {
    super("http_error", message, init);
    this.name = "UnexpectedStatus";
  }
}

/** A success answer whose body does not match the published schema. */
export class AmigoResponseError extends AmigoApiError {
  /** Dotted paths of the fields that failed validation, e.g. `simulation_unit_test_set_runs.0.creator`. */
  readonly fieldPaths: readonly string[];

  constructor(message: string, init: AmigoErrorInit & { fieldPaths?: readonly string[] } = {}) {
    super("bad_response", message, init);
    this.name = "AmigoResponseError";
    this.fieldPaths = init.fieldPaths ?? [];
  }
}

/** No answer within the per-request timeout (after retries, where the call is retried). */
export class AmigoTimeout extends AmigoApiError {
  constructor(message: string, init: AmigoErrorInit = {}) {
    super("timeout", message, init);
    this.name = "AmigoTimeout";
  }
}

/** The connection failed (refused, reset, DNS) before an answer arrived. */
export class AmigoNetworkError extends AmigoApiError {
  constructor(message: string, init: AmigoErrorInit = {}) {
    super("network", message, init);
    this.name = "AmigoNetworkError";
  }
}

/** No time was left before the step's deadline to make (or finish) the call. */
export class DeadlineReached extends AmigoApiError {
  constructor(message: string, init: AmigoErrorInit = {}) {
    super("deadline", message, init);
    this.name = "DeadlineReached";
  }
}

/**
 * Whether the call could not be made in time (Amigo's rate limit, or the step's deadline): the
 * work is not wrong, only early. Callers defer it to a later tick or delivery, progress saved.
 */
export function isDeferral(error: unknown): error is RateLimited | DeadlineReached {
  return error instanceof RateLimited || error instanceof DeadlineReached;
}

export function isAmigoError(error: unknown, code?: AmigoErrorCode): error is AmigoApiError {
  return error instanceof AmigoApiError && (code === undefined || error.code === code);
}
