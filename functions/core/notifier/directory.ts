/**
 * Who and where in the Slack workspace, for routing and owners by Amigo tags: its channels
 * (conversations.list), people (users.list) and user groups (usergroups.list). Reading them is
 * paged and slow for a big workspace, so each list is kept in state and read again only when
 * older than DIRECTORY_TTL_MS, or when a name is missing from a list older than
 * DIRECTORY_RETRY_MS (someone just made the channel). The adapter is functions/slack/directory.ts.
 */
import type { StateStore } from "../ports.js";
import { STATE_ROOT } from "../idempotency/state-keys.js";
import { errorFields, type Logger } from "../log.js";
import { updateState } from "../idempotency/state-update.js";

export interface DirectoryChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  /** The bot is a member (it can post without chat:write.public, and reads its history). */
  isMember: boolean;
}

export interface DirectoryUser {
  id: string;
  /** The names a person is @-typed by: their username and display name, lower case. */
  handles: string[];
  /** What to show for them: `@display name`. */
  label: string;
}

export interface DirectoryGroup {
  id: string;
  /** The group's handle, lower case, without the @. */
  handle: string;
}

/** What core needs from Slack's directory: every page of each list, and joining a public channel. */
export interface SlackDirectory {
  channels(): Promise<DirectoryChannel[]>;
  users(): Promise<DirectoryUser[]>;
  userGroups(): Promise<DirectoryGroup[]>;
  /** conversations.join: "joined", or Slack's error word (missing_scope, method_not_supported_for_channel_type, ...). */
  join(channelId: string): Promise<"joined" | { refused: string }>;
}

export type DirectoryList = "channels" | "users" | "userGroups";

/** How long a list read from Slack is used as is. */
export const DIRECTORY_TTL_MS = 60 * 60_000;
/** A name not found is looked for again in a fresh list only if the kept one is older than this. */
export const DIRECTORY_RETRY_MS = 5 * 60_000;

/** Where each list is kept: a setting-like cache, rewritten whole. */
export const directoryKey = (list: DirectoryList) => `${STATE_ROOT}slack-directory/${list}.json`;

interface Kept<T> {
  readAt: string;
  items: T[];
  /** When Slack last refused the list (a missing scope, a rate limit): not asked again for DIRECTORY_RETRY_MS. */
  failedAt?: string;
}

type ItemOf<L extends DirectoryList> = L extends "channels" ? DirectoryChannel : L extends "users" ? DirectoryUser : DirectoryGroup;

export interface DirectoryDeps {
  directory: SlackDirectory;
  state: StateStore;
  now: () => Date;
  log: Logger;
}

/** One list, from state when fresh enough, else from Slack (kept for the next caller); undefined when Slack refuses (a missing scope). */
export async function directoryList<L extends DirectoryList>(deps: DirectoryDeps, list: L, options: { missing?: boolean } = {}): Promise<ItemOf<L>[] | undefined> {
  const key = directoryKey(list);
  const kept = (await deps.state.get<Kept<ItemOf<L>>>(key))?.value;
  const nowMs = deps.now().getTime();
  // A list never read completely (only a refusal kept) has no age: it is read, unless refused lately.
  const read = kept?.readAt ? kept : undefined;
  const age = read ? nowMs - Date.parse(read.readAt) : Number.POSITIVE_INFINITY;
  if (read && age < (options.missing ? DIRECTORY_RETRY_MS : DIRECTORY_TTL_MS)) return read.items;
  if (kept?.failedAt && nowMs - Date.parse(kept.failedAt) < DIRECTORY_RETRY_MS) return read?.items;
  try {
    const items = (await deps.directory[list]()) as ItemOf<L>[];
    const fresh: Kept<ItemOf<L>> = { readAt: deps.now().toISOString(), items };
    // A newer list another process kept is as good as this one: keep whichever was read last.
    await updateState<Kept<ItemOf<L>>>(deps.state, key, (current) => (current && current.readAt >= fresh.readAt ? undefined : fresh));
    return items;
  } catch (error) {
    deps.log.warn("slack.directory.unavailable", { list, ...errorFields(error) });
    const failedAt = deps.now().toISOString();
    await updateState<Kept<ItemOf<L>>>(deps.state, key, (current) => ({ readAt: current?.readAt ?? "", items: current?.items ?? [], failedAt })).catch(() => undefined);
    return read?.items;
  }
}

/** Looks `find` up in a list, reading a fresh one once when the kept one lacks it. */
export async function findInDirectory<L extends DirectoryList>(deps: DirectoryDeps, list: L, find: (items: ItemOf<L>[]) => ItemOf<L>[]): Promise<ItemOf<L>[]> {
  const first = find((await directoryList(deps, list)) ?? []);
  if (first.length > 0) return first;
  return find((await directoryList(deps, list, { missing: true })) ?? []);
}
