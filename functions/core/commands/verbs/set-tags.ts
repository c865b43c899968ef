/**
 * What a set's Amigo tags make of its runs, for `/sim status <set>`: the channels its
 * `slack-channel` tag routes them to (or why not), and who its `owner` tag mentions when a run
 * fails. Owners are shown by name, never mentioned here.
 */
import type { Line, Owner, Span } from "../../chat.js";
import type { UnitTestSet } from "../../model/amigo-model.js";
import { ownersOf, OWNER_TAG } from "../../notifier/owners.js";
import { CHANNEL_TAG, type RoutingDeps, routesOf } from "../../notifier/tag-routing.js";
import type { CommandContext } from "./context.js";

function ownerLabel(owner: Owner): Span[] {
  return "mention" in owner ? [{ bold: owner.mention.label }] : [owner.text, " (not a Slack user or group: shown as text, never a mention)"];
}

/** The set's tags: as given, or read from Amigo by id (one request; the set list in state keeps names only). */
async function tagsOf(ctx: CommandContext, set: { id: string; tags?: UnitTestSet["tags"] }): Promise<UnitTestSet["tags"] | undefined> {
  if (set.tags) return set.tags;
  const [found] = await ctx.deps.amigo.listSets([set.id]).catch(() => []);
  return found?.tags;
}

export async function setTagLines(ctx: CommandContext, set: { id: string; tags?: UnitTestSet["tags"] }): Promise<Line[]> {
  const { state, directory, allowedChannels, log } = ctx.deps;
  const tags = await tagsOf(ctx, set);
  if (!tags) return [["Its tags (", { code: CHANNEL_TAG }, ", ", { code: OWNER_TAG }, ") could not be read from Amigo just now."]];
  const now = () => ctx.now();
  const lookups = directory ? { directory, state, now, log } : undefined;
  const routing: RoutingDeps = { state, log, now, ...(lookups ? { directory: lookups } : {}), ...(allowedChannels ? { allowedChannels } : {}) };
  const [routes, owners] = await Promise.all([routesOf(routing, tags), ownersOf(tags, lookups)]);
  const routeSpans = routes.flatMap((route, index): Span[] => [
    index > 0 ? ", " : "",
    ...("refused" in route ? [{ code: route.tag }, ` refused: ${route.refused}`] : [{ channel: route.channelId }]),
  ]);
  return [
    routes.length > 0 ? ["Also posts in (tag ", { code: CHANNEL_TAG }, "): ", ...routeSpans] : ["No ", { code: CHANNEL_TAG }, " tag: its runs go where it is subscribed."],
    owners.length > 0
      ? ["Mentions when a run fails (tag ", { code: OWNER_TAG }, "): ", ...owners.flatMap((owner, index): Span[] => [index > 0 ? ", " : "", ...ownerLabel(owner)])]
      : ["No ", { code: OWNER_TAG }, " tag on the set."],
  ];
}
