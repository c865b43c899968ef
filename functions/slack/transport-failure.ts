/**
 * How a request that got no HTTP answer failed: timed out, never sent (the connection was
 * never made), or lost on the way. A post that was never sent posted nothing; one that timed
 * out or lost its connection may be in the channel. No Slack SDK here, so the small
 * slack-http bundle can use it for response_url answers.
 */
import { ChatError } from "../core/chat.js";

/**
 * Connection failures that happen before a request is sent (refused, no route, no such
 * host, connect timeout), by the `code` Node and undici give them.
 */
const NEVER_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_NONAME",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** How a request failed on the way (no HTTP answer): timed out, never sent, or lost midway. */
export type TransportFailure = "timeout" | "never_sent" | "lost";

/** Reads the failure from an error and its causes (fetch wraps the socket error in `cause`). */
export function transportFailure(error: unknown): TransportFailure {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    if (current.name === "TimeoutError" || current.name === "AbortError") return "timeout";
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && NEVER_SENT_CODES.has(code)) return "never_sent";
    // WebClient's WebAPIRequestError keeps the fetch error as its cause, too.
    current = current.cause;
  }
  return "lost";
}

/** A ChatError for a request that got no HTTP answer. */
export function transportError(failure: TransportFailure, what: string): ChatError {
  const described = { timeout: "timed out", never_sent: "could not connect", lost: "connection lost" }[failure];
  return new ChatError(failure === "timeout" ? "timeout" : "network", `${what} failed: ${described}`, true, undefined, {
    mayHavePosted: failure !== "never_sent",
  });
}

