/** `/sim subscribe`, `/sim unsubscribe`, `/sim subscriptions`: which channel hears about which set. */
import { type ChatMessage, type Line, notice, say } from "../../chat.js";
import type { Command } from "../commands.js";
import { listSubscriptions, removeSubscription, saveSubscription } from "../../notifier/subscriptions.js";
import type { CommandContext } from "./context.js";
import { lookUpSet } from "./set-lookup.js";

export async function subscribe(ctx: CommandContext, command: Extract<Command, { verb: "subscribe" }>): Promise<ChatMessage> {
  const lookup = await lookUpSet(ctx, command.set);
  if (!lookup.ok) return lookup.reply;
  const { replaced } = await saveSubscription(ctx.deps.state, {
    setId: lookup.set.id,
    setName: lookup.set.name,
    channelId: ctx.detail.channelId,
    failuresOnly: command.failuresOnly,
    ...(command.mention ? { mention: command.mention } : {}),
    createdBy: ctx.detail.userId,
    createdAt: ctx.now().toISOString(),
  });
  return say("success", [
    "This channel now hears about ",
    command.failuresOnly ? "failed and errored runs" : "every run",
    " of ",
    { bold: lookup.set.name },
    ...(command.mention ? [", mentioning ", command.mention.label] : []),
    replaced ? " (subscription updated)." : ".",
  ]);
}

export async function unsubscribe(ctx: CommandContext, query: string): Promise<ChatMessage> {
  const here = (await listSubscriptions(ctx.deps.state)).filter((sub) => sub.channelId === ctx.detail.channelId);
  const match = here.find((sub) => sub.setId === query || sub.setName.toLowerCase() === query.toLowerCase());
  let set = match ? { id: match.setId, name: match.setName } : undefined;
  if (!set) {
    const lookup = await lookUpSet(ctx, query);
    if (!lookup.ok) return lookup.reply;
    set = lookup.set;
  }
  if (await removeSubscription(ctx.deps.state, set.id, ctx.detail.channelId)) {
    return say("success", ["This channel no longer hears about ", { bold: set.name }, "."]);
  }
  return say("info", ["This channel was not subscribed to ", { bold: set.name }, "."]);
}

export async function subscriptions(ctx: CommandContext): Promise<ChatMessage> {
  const { channelId } = ctx.detail;
  const { defaultChannel } = ctx.deps;
  const here = (await listSubscriptions(ctx.deps.state)).filter((sub) => sub.channelId === channelId);
  const lines: Line[] = here
    .sort((a, b) => a.setName.localeCompare(b.setName))
    .map((sub) => ["• ", { bold: sub.setName }, " ", { code: sub.setId }, sub.failuresOnly ? ", failures only" : "", ...(sub.mention ? [", mentioning ", sub.mention.label] : [])]);
  if (lines.length === 0) lines.push(["This channel is not subscribed to any set."]);
  if (defaultChannel) {
    lines.push(defaultChannel === channelId ? ["Runs of sets nobody subscribed to are posted here (the default channel)."] : ["Runs of sets nobody subscribed to go to ", { channel: defaultChannel }, "."]);
  }
  return notice("info", lines, { title: "Subscriptions of this channel" });
}
