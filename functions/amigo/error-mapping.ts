/**
 * Turns an Amigo error answer into the typed error a caller branches on. Error bodies
 * are FastAPI style but not specified: read `detail`, then `message`, then `error`;
 * a 422's detail is a list of {loc, msg, type}.
 */
import {
  ActiveRunExists,
  type AmigoApiError,
  type AmigoErrorInit,
  ArtifactsNotReady,
  Forbidden,
  InvalidRequest,
  NotFound,
  RateLimited,
  RunNotInProgress,
  ServiceUnavailable,
  Unauthorized,
  UnexpectedStatus,
} from "../core/model/amigo-errors.js";
import { type AmigoEndpoint, describeEndpoint } from "./endpoints.js";

/** The server's explanation from an error body, or undefined when it gave none. */
export function readErrorDetail(body: unknown): string | undefined {
  if (typeof body === "string") return body.trim() === "" ? undefined : body.trim().slice(0, 500);
  if (body === null || typeof body !== "object") return undefined;
  const record = body as Record<string, unknown>;
  for (const key of ["detail", "message", "error"]) {
    const rendered = renderDetailValue(record[key]);
    if (rendered !== undefined) return rendered;
  }
  return undefined;
}

function renderDetailValue(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    const parts = value.map(renderValidationItem).filter((part) => part !== "");
    return parts.length > 0 ? parts.join("; ") : undefined;
  }
  if (value !== null && typeof value === "object") return JSON.stringify(value);
  return undefined;
}

/** `{loc: ["query", "limit"], msg: "..."}` -> `query.limit: ...`. */
function renderValidationItem(item: unknown): string {
  if (item === null || typeof item !== "object") return String(item ?? "");
  const { loc, msg } = item as { loc?: unknown; msg?: unknown };
  const where = Array.isArray(loc) ? loc.map(String).join(".") : "";
  const what = typeof msg === "string" ? msg : JSON.stringify(item);
  return where === "" ? what : `${where}: ${what}`;
}

export interface FailedAnswer {
  endpoint: AmigoEndpoint;
  status: number;
  detail: string | undefined;
  retryAfterSeconds: number | undefined;
  /** The run or set the call was about, to make the message actionable. */
  subject?: string;
}

export function errorFromAnswer(answer: FailedAnswer): AmigoApiError {
  const { endpoint, status, detail, subject } = answer;
  const init: AmigoErrorInit = { status, detail, endpoint: describeEndpoint(endpoint) };
  const why = detail === undefined ? "" : `: ${detail}`;
  const about = subject === undefined ? "" : ` ${subject}`;

  if (status === 409 && endpoint === "createRun") {
    return new ActiveRunExists(`You already have an unfinished run of set${about}; wait for it or cancel it first${why}`, init);
  }
  if (status === 409 && endpoint === "cancelRun") {
    return new RunNotInProgress(`Run${about} is not in progress (already finished)${why}`, init);
  }
  if (status === 400 && endpoint === "getArtifacts") {
    return new ArtifactsNotReady(`Artifacts of run${about} are not ready yet${why}`, init);
  }
  if (status === 404) return new NotFound(`Amigo found no such resource${about} (${init.endpoint})${why}`, init);
  if (status === 429) {
    return new RateLimited(`Amigo rate limit reached on ${init.endpoint}${why}`, {
      ...init,
      ...(answer.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: answer.retryAfterSeconds }),
    });
  }
  if (status === 401) {
    return new Unauthorized(
      endpoint === "signIn"
        ? `Amigo refused the API key: check AMIGO_ORG_ID, AMIGO_API_KEY, AMIGO_API_KEY_ID and AMIGO_USER_ID${why}`
        : `Amigo refused the token even after signing in again (${init.endpoint})${why}`,
      init,
    );
  }
  if (status === 403) return new Forbidden(`Missing Amigo permission for ${init.endpoint}${why}`, init);
  if (status === 422) return new InvalidRequest(`Amigo rejected the request to ${init.endpoint}${why}`, init);
  if (status >= 300 && status < 400) {
    return new UnexpectedStatus(
      `Amigo answered ${status}, a redirect, to ${init.endpoint}; simwatch never follows Amigo's redirects (they would carry its credentials elsewhere). Check AMIGO_API_URL`,
      init,
    );
  }
  if (status >= 500) {
    const what = status === 503 ? "is under maintenance" : `failed with ${status}`;
    return new ServiceUnavailable(`Amigo ${what} (${init.endpoint})${why}`, init);
  }
  return new UnexpectedStatus(`Amigo answered ${status} to ${init.endpoint}${why}`, init);
}
