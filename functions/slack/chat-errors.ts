/**
 * Slack failures as ChatErrors a caller can branch on. Besides `code` and `retryable`, each
 * says whether the request may have reached Slack and taken effect (`mayHavePosted`): a post
 * that timed out, lost its connection after sending or met an HTTP 5xx may be in the channel,
 * so it must be looked for before it is sent again. A definite refusal (an `ok:false` answer,
 * a 429, a connection that was never made) posted nothing. The token never appears in one.
 */
import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from "@slack/web-api";
import { ChatError } from "../core/chat.js";
import { transportError, transportFailure } from "./transport-failure.js";

/** Slack errors worth trying again later. */
const RETRYABLE_PLATFORM_ERRORS = new Set(["ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"]);

/**
 * `ok:false` answers that Slack documents as "it's possible some aspect of the operation
 * succeeded before the error was raised": not a clean refusal.
 */
const PARTIAL_PLATFORM_ERRORS = new Set(["internal_error", "fatal_error"]);

export function toChatError(error: unknown): ChatError {
  if (error instanceof ChatError) return error;
  if (error instanceof WebAPIRateLimitedError) {
    return new ChatError("rate_limited", `Slack rate limit: retry after ${error.retryAfter} s`, true, error.retryAfter);
  }
  if (error instanceof WebAPIPlatformError) {
    const code = error.data.error;
    return new ChatError(code, `Slack answered ${code}`, RETRYABLE_PLATFORM_ERRORS.has(code), undefined, {
      mayHavePosted: PARTIAL_PLATFORM_ERRORS.has(code),
    });
  }
  if (error instanceof WebAPIHTTPError) {
    const serverError = error.statusCode >= 500;
    return new ChatError("http_error", `Slack answered HTTP ${error.statusCode}`, serverError, undefined, { mayHavePosted: serverError });
  }
  if (error instanceof WebAPIRequestError) return transportError(transportFailure(error), "Slack request");
  // A timeout while the answer's body was read, or anything else: the request may have landed.
  if (error instanceof Error && transportFailure(error) === "timeout") return transportError("timeout", "Slack request");
  const message = error instanceof Error ? error.message : String(error);
  return new ChatError("request_failed", `Slack call failed: ${message.replace(/xox[a-z]-[\w-]+/g, "xox?-…")}`, true, undefined, {
    mayHavePosted: true,
  });
}
