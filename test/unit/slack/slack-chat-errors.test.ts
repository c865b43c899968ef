/** Which Slack failures may have posted (look before posting again) and which certainly did not. */
import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from "@slack/web-api";
import { describe, expect, it } from "vitest";
import { ChatError } from "../../../functions/core/chat.js";
import { toChatError } from "../../../functions/slack/chat-errors.js";

/** The TypeError Node's fetch throws, with the socket error as its cause. */
const fetchFailed = (code: string, message = code) =>
  new TypeError("fetch failed", { cause: Object.assign(new Error(message), { code }) });
const timeout = () => new DOMException("The operation was aborted due to timeout", "TimeoutError");
const platform = (error: string) => new WebAPIPlatformError({ ok: false, error });

describe("toChatError: may the request have taken effect?", () => {
  it.each([
    ["a timeout", new WebAPIRequestError(timeout()), "timeout"],
    ["a timeout while the answer's body was read", timeout(), "timeout"],
    ["a connection reset after sending", new WebAPIRequestError(fetchFailed("ECONNRESET")), "network"],
    ["a connection closed without an answer", new WebAPIRequestError(fetchFailed("UND_ERR_SOCKET", "other side closed")), "network"],
    ["a network error of an unknown kind", new WebAPIRequestError(new Error("something broke")), "network"],
    ["HTTP 500", new WebAPIHTTPError(500, "Internal Server Error", {}, ""), "http_error"],
    ["HTTP 503", new WebAPIHTTPError(503, "Service Unavailable", {}, ""), "http_error"],
    ["internal_error, which Slack says may have partly succeeded", platform("internal_error"), "internal_error"],
    ["fatal_error, likewise", platform("fatal_error"), "fatal_error"],
  ])("%s: mayHavePosted, retryable", (_, error, code) => {
    const chatError = toChatError(error);
    expect(chatError).toBeInstanceOf(ChatError);
    expect(chatError).toMatchObject({ code, mayHavePosted: true, retryable: true });
  });

  it.each([
    ["not_in_channel", platform("not_in_channel"), "not_in_channel", false],
    ["channel_not_found", platform("channel_not_found"), "channel_not_found", false],
    ["missing_scope", platform("missing_scope"), "missing_scope", false],
    ["service_unavailable (refused, try later)", platform("service_unavailable"), "service_unavailable", true],
    ["a 429", new WebAPIRateLimitedError(30), "rate_limited", true],
    ["HTTP 400", new WebAPIHTTPError(400, "Bad Request", {}, ""), "http_error", false],
    ["connection refused", new WebAPIRequestError(fetchFailed("ECONNREFUSED")), "network", true],
    ["no such host", new WebAPIRequestError(fetchFailed("ENOTFOUND", "getaddrinfo ENOTFOUND slack.invalid")), "network", true],
    ["DNS not answering", new WebAPIRequestError(fetchFailed("EAI_AGAIN")), "network", true],
    ["a connect timeout", new WebAPIRequestError(fetchFailed("UND_ERR_CONNECT_TIMEOUT")), "network", true],
  ])("%s: posted nothing", (_, error, code, retryable) => {
    expect(toChatError(error)).toMatchObject({ code, mayHavePosted: false, retryable });
  });

  it("keeps the wait of a rate limit", () => {
    expect(toChatError(new WebAPIRateLimitedError(7))).toMatchObject({ retryAfterSeconds: 7 });
  });

  it("never repeats a token from an unexpected error", () => {
    const chatError = toChatError(new Error("failed with xoxb-123-456-secret in it"));
    expect(chatError.message).not.toContain("xoxb-123-456-secret");
    expect(chatError).toMatchObject({ code: "request_failed", mayHavePosted: true });
  });

  it("passes a ChatError through unchanged", () => {
    const original = new ChatError("no_ts", "Slack did not say", false);
    expect(toChatError(original)).toBe(original);
  });
});
