/**
 * Routing by Amigo tag: a set tagged `slack-channel` posts its runs in that channel too, as a
 * subscription would. A value is a channel id (`C…`/`G…`, or `<#C…|name>`) or `#name`, resolved
 * through the workspace's channels (directory.ts, kept in state). A channel outside
 * SLACK_ALLOWED_CHANNELS (when set) is refused; a public channel the bot is not in is joined
 * (conversations.join, channels:join); each problem is logged once per set and tag value.
 */
import type { StateStore } from "../ports.js";
import { STATE_ROOT } from "../idempotency/state-keys.js";
import type { Tag } from "../summary/summary-model.js";
import { type DirectoryChannel, type DirectoryDeps, findInDirectory } from "./directory.js";
import type { LogFields, Logger } from "../log.js";
import { tagValues } from "./owners.js";

export const CHANNEL_TAG = "slack-channel";

export interface RoutingDeps {
  state: StateStore;
  log: Logger;
  now: () => Date;
  /** Slack's directory, when simwatch talks to Slack (not in the terminal). */
  directory?: DirectoryDeps;
  /** SLACK_ALLOWED_CHANNELS: empty or absent = every channel. */
  allowedChannels?: readonly string[];
}

/** A tag value as written: a channel id, or a #name to look up; anything else is not a channel. */
export type ChannelRef = { id: string } | { name: string } | { malformed: string };

export function parseChannel(raw: string): ChannelRef {
  const id = /^<#([CG][A-Z0-9]{6,})(?:\|[^>]*)?>$/.exec(raw) ?? /^([CG][A-Z0-9]{6,})$/.exec(raw);
  if (id) return { id: id[1] as string };
  const name = /^#([a-z0-9][a-z0-9_-]{0,79})$/.exec(raw.toLowerCase());
  if (name) return { name: name[1] as string };
  return { malformed: raw };
}

/** Where a tag value leads: a channel to post in, or why not (said once in the log). */
export type ChannelRoute = { channelId: string; tag: string } | { refused: string; tag: string; channelId?: string };

/** What the set's `slack-channel` tag means now, value by value. */
export async function routesOf(deps: RoutingDeps, tags: readonly Tag[] | undefined): Promise<ChannelRoute[]> {
  const routes: ChannelRoute[] = [];
  for (const raw of tagValues(tags, CHANNEL_TAG)) {
    const tag = `${CHANNEL_TAG}=${raw}`;
    const ref = parseChannel(raw);
    if ("malformed" in ref) {
      routes.push({ refused: "not a channel id or #name", tag });
      continue;
    }
    const found = await lookUp(deps, ref);
    if (!found) {
      routes.push({ refused: deps.directory ? "no such channel the app can see (channels:read, groups:read)" : "#names need Slack's channel list; use the channel id", tag });
      continue;
    }
    const allowed = deps.allowedChannels ?? [];
    if (allowed.length > 0 && !allowed.includes(found.id)) routes.push({ refused: "outside SLACK_ALLOWED_CHANNELS", tag, channelId: found.id });
    else routes.push({ channelId: found.id, tag });
  }
  return routes;
}

async function lookUp(deps: RoutingDeps, ref: { id: string } | { name: string }): Promise<{ id: string; channel?: DirectoryChannel } | undefined> {
  const directory = deps.directory;
  if ("id" in ref) {
    const channels = directory ? await findInDirectory(directory, "channels", (items) => items.filter((channel) => channel.id === ref.id)) : [];
    return channels[0] ? { id: ref.id, channel: channels[0] } : { id: ref.id };
  }
  if (!directory) return undefined;
  const [channel] = await findInDirectory(directory, "channels", (items) => items.filter((item) => item.name.toLowerCase() === ref.name));
  return channel ? { id: channel.id, channel } : undefined;
}

/** A state key for a word from a tag: what a key may hold, the rest replaced. */
const keyWord = (text: string) => text.replace(/[^\w.-]/g, "_").slice(0, 100);

/** Logs `event` once per set and `what` (a marker in state); true when this call logged it. */
export async function warnOnce(deps: Pick<RoutingDeps, "state" | "log">, setId: string, what: string, event: string, fields: LogFields): Promise<boolean> {
  const key = `${STATE_ROOT}tag-routing/warned/${keyWord(setId)}/${keyWord(what)}.json`;
  if (!(await deps.state.create(key, { event, ...fields }))) return false;
  deps.log.warn(event, fields);
  return true;
}

/**
 * The channels the set's tag routes its runs to, ready to post in: refusals warned about once;
 * a public channel the bot is not in joined first (once), or warned about once when Slack
 * refuses (no channels:join; the post may still work with chat:write.public).
 */
export async function tagRoutedChannels(deps: RoutingDeps, set: { setId: string; setName: string }, tags: readonly Tag[] | undefined): Promise<string[]> {
  const channels: string[] = [];
  for (const route of await routesOf(deps, tags)) {
    const about = { setId: set.setId, setName: set.setName, tag: route.tag };
    if ("refused" in route) {
      await warnOnce(deps, set.setId, route.tag, "notify.tag_channel.refused", { ...about, reason: route.refused, ...(route.channelId ? { channelId: route.channelId } : {}) });
      continue;
    }
    await joinIfOutside(deps, set.setId, route.channelId, about);
    if (!channels.includes(route.channelId)) channels.push(route.channelId);
  }
  return channels;
}

async function joinIfOutside(deps: RoutingDeps, setId: string, channelId: string, about: LogFields): Promise<void> {
  const directory = deps.directory;
  if (!directory) return;
  const [channel] = await findInDirectory(directory, "channels", (items) => items.filter((item) => item.id === channelId));
  if (!channel || channel.isPrivate || channel.isMember) return;
  const joinedKey = `${STATE_ROOT}tag-routing/joined/${keyWord(channelId)}.json`;
  if (await deps.state.get(joinedKey)) return;
  const outcome = await directory.directory.join(channelId).catch((error: unknown) => ({ refused: error instanceof Error ? error.message : String(error) }));
  if (outcome === "joined") {
    await deps.state.create(joinedKey, { joinedAt: deps.now().toISOString() });
    deps.log.info("notify.tag_channel.joined", { ...about, channelId });
    return;
  }
  await warnOnce(deps, setId, `join-${channelId}`, "notify.tag_channel.not_joined", { ...about, channelId, error: outcome.refused, fix: "add the channels:join scope, or invite the app to the channel" });
}
