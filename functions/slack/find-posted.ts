/**
 * Looking a post up again by its tag, after a post whose outcome is unknown. Each post with a
 * tag carries Slack message metadata (`simwatch_post`, with the run and what the post is
 * for); a channel's history (or a thread's replies) read back with `include_all_metadata`
 * shows whether that post landed.
 */
import { ChatError, type PostTag } from "../core/chat.js";

export const POST_EVENT_TYPE = "simwatch_post";

/** Slack message metadata for a tagged post. */
export function postMetadata(tag: PostTag) {
  return { event_type: POST_EVENT_TYPE, event_payload: { run_id: tag.runId, what: tag.what, ...(tag.also?.length ? { also: tag.also.join(",") } : {}) } };
}

/** Message metadata as Slack answers it (only with `include_all_metadata`). */
interface ReadMetadata {
  event_type?: string;
  event_payload?: Record<string, unknown>;
}

/** What a read of history or replies answers, as far as the search needs it. */
export interface MessagePage {
  messages?: { ts?: string; metadata?: ReadMetadata }[];
  has_more?: boolean;
  response_metadata?: { next_cursor?: string };
}

/** Pages read at most before giving up (a few minutes of even a busy channel). */
export const MAX_PAGES = 5;
export const PAGE_SIZE = 200;

/** Seconds read before `since`, for clocks that disagree a little. */
export const CLOCK_SLACK_SECONDS = 10;

/** The `oldest` bound of the search, as Slack spells a timestamp. */
export function oldestTs(since: Date): string {
  return Math.max(0, since.getTime() / 1000 - CLOCK_SLACK_SECONDS).toFixed(6);
}

/**
 * The ts of the message tagged `tag`, reading page after page with `readPage`; undefined
 * when every message since the bound was read and none has it. A lookup that would need more
 * than MAX_PAGES cannot tell, and says so.
 */
export async function findTagged(tag: PostTag, readPage: (cursor: string | undefined) => Promise<MessagePage>): Promise<string | undefined> {
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await readPage(cursor);
    const found = answer.messages?.find((message) => isTagged(message.metadata, tag));
    if (found?.ts !== undefined) return found.ts;
    cursor = answer.response_metadata?.next_cursor || undefined;
    if (answer.has_more !== true || cursor === undefined) return undefined;
  }
  throw new ChatError("lookup_incomplete", `too many messages to look through for run ${tag.runId}'s ${tag.what}`, false);
}

function isTagged(metadata: ReadMetadata | undefined, tag: PostTag): boolean {
  return (
    metadata?.event_type === POST_EVENT_TYPE &&
    metadata.event_payload?.run_id === tag.runId &&
    (metadata.event_payload?.what === tag.what || String(metadata.event_payload?.also ?? "").split(",").includes(tag.what))
  );
}
