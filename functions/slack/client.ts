/**
 * The Slack side of the ChatPort: @slack/web-api's WebClient set up for Lambda, plus
 * response_url answers. WebClient's defaults (ten retries over half an hour, no timeout,
 * waiting out every Retry-After) would outlive a Lambda; here each call has a short timeout
 * and rate limits are rejected by the client (`rejectRateLimitedCalls: true`) so that this
 * wrapper decides: a short Retry-After (up to `maxRateLimitWaitSeconds`) is waited out once,
 * a longer one becomes a retryable ChatError("rate_limited") and the event is redelivered
 * later. Edits and reads get two quick retries on network or 5xx trouble; chat.postMessage
 * gets none, because a retried post that had already landed is a second message: a post
 * whose outcome is unknown fails with `mayHavePosted`, and the caller looks with
 * `findPosted` before posting again. A message Slack refuses as built (too long, a block it
 * rejects) is sent again smaller (blocks.ts renderings()): such a refusal posted nothing. The
 * token is never logged.
 */
import { sleep } from "../core/util/backoff.js";
import { LogLevel, WebClient, type WebClientOptions } from "@slack/web-api";
import type { ChatMessage, ChatPort, HomeView, MessageRef, PostOptions, PostTag, RespondOptions } from "../core/chat.js";
import { ChatError } from "../core/chat.js";
import { renderings } from "./blocks.js";
import { homeFits, renderHome } from "./home-blocks.js";
import { sendFirstTaken } from "./limits.js";
import { toChatError } from "./chat-errors.js";
import { findTagged, oldestTs, PAGE_SIZE, postMetadata } from "./find-posted.js";
import { type Responder, responseUrlResponder } from "./response-url.js";

export interface SlackChatOptions {
  token: string;
  /** SLACK_API_URL (default https://slack.com/api/). */
  apiUrl?: string;
  /** Per-request timeout, ms (default 5000). */
  timeoutMs?: number;
  /** Retries of edits and reads on network errors and HTTP 5xx (default 2, 200 ms to 1 s apart); posts are never retried. */
  retries?: number;
  /** Longest Retry-After worth waiting for inside the call, seconds (default 3). */
  maxRateLimitWaitSeconds?: number;
  respond?: Responder;
  fetch?: WebClientOptions["fetch"];
  sleep?: (ms: number) => Promise<void>;
}

export function createWebClient(options: SlackChatOptions, retries = options.retries ?? 2): WebClient {
  const apiUrl = options.apiUrl ?? "https://slack.com/api/";
  return new WebClient(options.token, {
    slackApiUrl: apiUrl.endsWith("/") ? apiUrl : `${apiUrl}/`,
    timeout: options.timeoutMs ?? 5000,
    retryConfig: { retries, factor: 2, minTimeout: 200, maxTimeout: 1000, randomize: true },
    rejectRateLimitedCalls: true,
    logLevel: LogLevel.ERROR,
    allowAbsoluteUrls: false,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

export class SlackChat implements ChatPort {
  /** Edits and reads: retried on network trouble and 5xx. */
  private readonly client: WebClient;
  /** chat.postMessage only: never retried. */
  private readonly poster: WebClient;
  private readonly respondVia: Responder;
  private readonly maxWait: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: SlackChatOptions) {
    this.client = createWebClient(options);
    this.poster = createWebClient(options, 0);
    this.respondVia = options.respond ?? responseUrlResponder();
    this.maxWait = options.maxRateLimitWaitSeconds ?? 3;
    this.sleep = options.sleep ?? sleep;
  }

  /** Runs a call; waits out one short rate limit (a 429 is a definite refusal), then maps failures to ChatError. */
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
    const result = await sendFirstTaken(renderings(message), ({ text, blocks }) =>
      this.call(() =>
        this.poster.chat.postMessage({
          channel: channelId,
          text,
          blocks,
          unfurl_links: false,
          unfurl_media: false,
          ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
          ...(options.tag ? { metadata: postMetadata(options.tag) } : {}),
        }),
      ),
    );
    if (!result.ts) throw new ChatError("no_ts", "Slack did not say which message it posted", false);
    return { channelId: result.channel ?? channelId, ts: result.ts };
  }

  /**
   * Reads the channel (or the thread) back since `since`, looking for the post tagged `tag`. The
   * app posts in public channels it is not in (chat:write.public) but may read only those it is
   * in: a `not_in_channel` answer joins the channel (channels:join) and looks again. A channel it
   * cannot join (private) is one its post could not have reached without being a member: nothing
   * is there to find.
   */
  async findPosted(channelId: string, tag: PostTag, options: { since: Date; threadTs?: string }): Promise<MessageRef | undefined> {
    try {
      return await this.lookFor(channelId, tag, options);
    } catch (error) {
      if (!(error instanceof ChatError) || error.code !== "not_in_channel") throw error;
      if ((await this.join(channelId)) === "cannot_join") return undefined;
      return this.lookFor(channelId, tag, options);
    }
  }

  /** Joins a public channel; "cannot_join" for one that is not (private, a DM). Other refusals (missing_scope) are thrown. */
  private async join(channelId: string): Promise<"joined" | "cannot_join"> {
    try {
      await this.call(() => this.client.conversations.join({ channel: channelId }));
      return "joined";
    } catch (error) {
      if (error instanceof ChatError && error.code === "method_not_supported_for_channel_type") return "cannot_join";
      throw error;
    }
  }

  private async lookFor(channelId: string, tag: PostTag, options: { since: Date; threadTs?: string }): Promise<MessageRef | undefined> {
    const common = { channel: channelId, oldest: oldestTs(options.since), include_all_metadata: true, limit: PAGE_SIZE };
    const { threadTs } = options;
    const ts = await findTagged(tag, (cursor) =>
      this.call(() => {
        const page = { ...common, ...(cursor === undefined ? {} : { cursor }) };
        return threadTs === undefined
          ? this.client.conversations.history(page)
          : this.client.conversations.replies({ ...page, ts: threadTs });
      }),
    );
    return ts === undefined ? undefined : { channelId, ts };
  }

  async update(ref: MessageRef, message: ChatMessage): Promise<void> {
    await sendFirstTaken(renderings(message), ({ text, blocks }) => this.call(() => this.client.chat.update({ channel: ref.channelId, ts: ref.ts, text, blocks })));
  }

  async respond(responseUrl: string, message: ChatMessage, options: RespondOptions): Promise<void> {
    await this.call(() => this.respondVia(responseUrl, message, options));
  }

  /** views.publish: the whole Home at once, so a repeat is harmless and retried like an edit. */
  async publishHome(view: HomeView): Promise<void> {
    await this.call(() => this.client.views.publish({ user_id: view.userId, view: renderHome(view) }));
  }

  homeFits(view: HomeView): boolean {
    return homeFits(view);
  }
}
