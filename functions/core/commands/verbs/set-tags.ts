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

export async function setTagLines(ctx: CommandContext, set: UnitTestSet): Promise<Line[]> {
  const { state, directory, allowedChannels, log } = ctx.deps;
  const now = () => ctx.now();
  const lookups = directory ? { directory, state, now, log } : undefined;
  const routing: RoutingDeps = { state, log, now, ...(lookups ? { directory: lookups } : {}), ...(allowedChannels ? { allowedChannels } : {}) };
  const [routes, owners] = await Promise.all([routesOf(routing, set.tags), ownersOf(set.tags, lookups)]);
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
