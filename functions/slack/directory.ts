/**
 * The workspace's directory through the Web API, for routing and owners by Amigo tag
 * (core/notifier/directory.ts keeps each list in state): conversations.list (channels:read,
 * groups:read), users.list (users:read), usergroups.list (usergroups:read), each read to its
 * last page by cursor, and conversations.join (channels:join). Failures are ChatErrors.
 */
import type { WebClient } from "@slack/web-api";
import type { DirectoryChannel, DirectoryGroup, DirectoryUser, SlackDirectory } from "../core/notifier/directory.js";
import { toChatError } from "./chat-errors.js";
import { createWebClient, type SlackChatOptions } from "./client.js";

/** Items asked for per page (Slack's recommended upper bound is 200). */
export const DIRECTORY_PAGE = 200;
/** A runaway cursor never reads more than this many pages. */
const MAX_PAGES = 500;

type Page = { response_metadata?: { next_cursor?: string } };

/** Every page of a cursor-paged list. */
async function allPages<P extends Page, T>(read: (cursor: string | undefined) => Promise<P>, items: (page: P) => T[]): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await read(cursor).catch((error: unknown) => {
      throw toChatError(error);
    });
    all.push(...items(answer));
    cursor = answer.response_metadata?.next_cursor || undefined;
    if (!cursor) break;
  }
  return all;
}

const lower = (text: unknown) => (typeof text === "string" && text.trim() !== "" ? text.trim().toLowerCase().replace(/\s+/g, ".") : undefined);

export class SlackWebDirectory implements SlackDirectory {
  private readonly client: WebClient;

  constructor(options: SlackChatOptions) {
    this.client = createWebClient(options);
  }

  channels(): Promise<DirectoryChannel[]> {
    return allPages(
      (cursor) => this.client.conversations.list({ types: "public_channel,private_channel", exclude_archived: true, limit: DIRECTORY_PAGE, ...(cursor ? { cursor } : {}) }),
      (page) =>
        (page.channels ?? []).flatMap((channel) =>
          channel.id && channel.name ? [{ id: channel.id, name: channel.name, isPrivate: channel.is_private === true, isMember: channel.is_member === true }] : [],
        ),
    );
  }

  users(): Promise<DirectoryUser[]> {
    return allPages(
      (cursor) => this.client.users.list({ limit: DIRECTORY_PAGE, ...(cursor ? { cursor } : {}) }),
      (page) =>
        (page.members ?? []).flatMap((member) => {
          if (!member.id || member.deleted) return [];
          const handles = [lower(member.name), lower(member.profile?.display_name), lower(member.profile?.display_name_normalized)].filter((h): h is string => h !== undefined);
          const shown = member.profile?.display_name || member.real_name || member.name || member.id;
          return [{ id: member.id, handles: [...new Set(handles)], label: `@${shown}` }];
        }),
    );
  }

  userGroups(): Promise<DirectoryGroup[]> {
    return allPages(
      (cursor) => this.client.usergroups.list({ include_disabled: false, ...(cursor ? { cursor } : {}) }) as Promise<Page & { usergroups?: { id?: string; handle?: string }[] }>,
      (page) => (page.usergroups ?? []).flatMap((group) => (group.id && group.handle ? [{ id: group.id, handle: group.handle.toLowerCase() }] : [])),
    );
  }

  async join(channelId: string): Promise<"joined" | { refused: string }> {
    try {
      await this.client.conversations.join({ channel: channelId });
      return "joined";
    } catch (error) {
      return { refused: toChatError(error).code };
    }
  }
}
