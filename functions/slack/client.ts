/**
 * The Slack side of the ChatPort: @slack/web-api's WebClient set up for Lambda, plus
 * response_url answers. WebClient's defaults (ten retries over half an hour, no timeout,
 * waiting out every Retry-After) would outlive a Lambda; here each call has a short timeout
 * and two quick retries on network or 5xx trouble, and rate limits are rejected by the
 * client (`rejectRateLimitedCalls: true`) so that this wrapper decides: a short Retry-After
 * (up to `maxRateLimitWaitSeconds`) is waited out once, a longer one becomes a retryable
 * ChatError("rate_limited") and the event is redelivered later. The token is never logged.
 */
import {
  LogLevel,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
  type WebClientOptions,
} from "@slack/web-api";
import { ChatError, type ChatMessage, type ChatPort, type MessageRef, type PostOptions, type PostTag, type RespondOptions } from "../core/chat.js";
import { renderMessage } from "./blocks.js";
import { type Responder, responseUrlResponder } from "./response-url.js";

export interface SlackChatOptions {
  token: string;
  /** SLACK_API_URL (default https://slack.com/api/). */
  apiUrl?: string;
  /** Per-request timeout, ms (default 5000). */
  timeoutMs?: number;
  /** Retries on network errors and HTTP 5xx (default 2, 200 ms to 1 s apart). */
  retries?: number;
  /** Longest Retry-After worth waiting for inside the call, seconds (default 3). */
  maxRateLimitWaitSeconds?: number;
  respond?: Responder;
  fetch?: WebClientOptions["fetch"];
  sleep?: (ms: number) => Promise<void>;
}

/** Slack errors worth trying again later. */
const RETRYABLE_PLATFORM_ERRORS = new Set(["ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"]);

export function toChatError(error: unknown): ChatError {
  if (error instanceof ChatError) return error;
  if (error instanceof WebAPIRateLimitedError) {
    return new ChatError("rate_limited", `Slack rate limit: retry after ${error.retryAfter} s`, true, error.retryAfter);
  }
  if (error instanceof WebAPIPlatformError) {
    const code = error.data.error;
    return new ChatError(code, `Slack answered ${code}`, RETRYABLE_PLATFORM_ERRORS.has(code));
  }
  if (error instanceof WebAPIHTTPError) {
    return new ChatError("http_error", `Slack answered HTTP ${error.statusCode}`, error.statusCode >= 500);
  }
  if (error instanceof WebAPIRequestError) {
    const timedOut = /abort|timeout/i.test(`${error.original?.name} ${error.original?.message}`);
    return new ChatError(timedOut ? "timeout" : "network", `Slack request failed: ${timedOut ? "timed out" : "network error"}`, true);
  }
  const message = error instanceof Error ? error.message : String(error);
  // Retries exhausted on a 5xx end up here as a plain Error from the retry library.
  return new ChatError("request_failed", `Slack call failed: ${message.replace(/xox[a-z]-[\w-]+/g, "xox?-…")}`, true);
}

export function createWebClient(options: SlackChatOptions): WebClient {
  const apiUrl = options.apiUrl ?? "https://slack.com/api/";
  return new WebClient(options.token, {
    slackApiUrl: apiUrl.endsWith("/") ? apiUrl : `${apiUrl}/`,
    timeout: options.timeoutMs ?? 5000,
    retryConfig: { retries: options.retries ?? 2, factor: 2, minTimeout: 200, maxTimeout: 1000, randomize: true },
    rejectRateLimitedCalls: true,
    logLevel: LogLevel.ERROR,
    allowAbsoluteUrls: false,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

export class SlackChat implements ChatPort {
  private readonly client: WebClient;
  private readonly respondVia: Responder;
  private readonly maxWait: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: SlackChatOptions) {
    this.client = createWebClient(options);
    this.respondVia = options.respond ?? responseUrlResponder();
    this.maxWait = options.maxRateLimitWaitSeconds ?? 3;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Runs a call; waits out one short rate limit, then maps failures to ChatError. */
  private async call<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        const chatError = toChatError(error);
        const wait = chatError.retryAfterSeconds;
        if (chatError.code === "rate_limited" && wait !== undefined && wait <= this.maxWait && attempt === 0) {
          await this.sleep(wait * 1000);
          continue;
        }
        throw chatError;
      }
    }
  }

  async post(channelId: string, message: ChatMessage, options: PostOptions = {}): Promise<MessageRef> {
    const { text, blocks } = renderMessage(message);
    const result = await this.call(() =>
      this.client.chat.postMessage({
        channel: channelId,
        text,
        blocks,
        unfurl_links: false,
        unfurl_media: false,
        ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
      }),
    );
    if (!result.ts) throw new ChatError("no_ts", "Slack did not say which message it posted", false);
    return { channelId: result.channel ?? channelId, ts: result.ts };
  }

  /** Not yet able to read a channel back: says so, so that callers never post twice. */
  async findPosted(channelId: string, tag: PostTag): Promise<MessageRef | undefined> {
    throw new ChatError("cannot_look", `cannot look for run ${tag.runId}'s ${tag.what} in ${channelId}`, false);
  }

  async update(ref: MessageRef, message: ChatMessage): Promise<void> {
    const { text, blocks } = renderMessage(message);
    await this.call(() => this.client.chat.update({ channel: ref.channelId, ts: ref.ts, text, blocks }));
  }

  async respond(responseUrl: string, message: ChatMessage, options: RespondOptions): Promise<void> {
    await this.call(() => this.respondVia(responseUrl, message, options));
  }
}
