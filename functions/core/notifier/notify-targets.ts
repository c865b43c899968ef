/**
 * Where a run's message goes: every channel subscribed to its set (a `--failures-only` one
 * only once the run failed or errored) and every channel its `slack-channel` tag routes it to
 * (tag-routing.ts), else SLACK_DEFAULT_CHANNEL; plus the channel it was started from, and any
 * channel that already has its message.
 */
import type { Mention } from "../commands/commands.js";
import type { StateStore } from "../ports.js";
import { isFailure, type RunFacts } from "./run-card.js";
import { runMessageChannels } from "./run-messages.js";
import { stateKeys } from "../idempotency/state-keys.js";
import { listSubscriptions } from "./subscriptions.js";

export interface Target {
  channelId: string;
  /** Pinged when the run fails (the channel's subscription asked for it). */
  mention?: Mention;
}

const target = (channelId: string, mention: Mention | undefined): Target => (mention ? { channelId, mention } : { channelId });

/**
 * Subscribed channels (honouring failures-only for this verdict) and the channels the set's tag
 * routes to (`tagged`, as subscriptions of every run), else the default channel.
 */
export async function subscribedTargets(state: StateStore, facts: RunFacts, defaultChannel: string | undefined, tagged: readonly string[] = []): Promise<Target[]> {
  const subscriptions = await listSubscriptions(state, facts.setId);
  if (subscriptions.length === 0 && tagged.length === 0) return defaultChannel ? [{ channelId: defaultChannel }] : [];
  const targets = subscriptions.filter((sub) => !sub.failuresOnly || isFailure(facts.verdict)).map((sub) => target(sub.channelId, sub.mention));
  const subscribed = new Set(subscriptions.map((sub) => sub.channelId));
  return [...targets, ...tagged.filter((channelId) => !subscribed.has(channelId)).map((channelId) => ({ channelId }))];
}

async function mentionFor(state: StateStore, setId: string, channelId: string): Promise<Mention | undefined> {
  return (await state.get<{ mention?: Mention }>(stateKeys.subscription(setId, channelId)))?.value.mention;
}

/** Channels that already have the run's message, with their mention. */
export async function postedTargets(state: StateStore, facts: RunFacts): Promise<Target[]> {
  const channels = await runMessageChannels(state, facts.runId);
  return Promise.all(channels.map(async (channelId) => target(channelId, await mentionFor(state, facts.setId, channelId))));
}

/** A finished run: subscribed channels, the origin channel and every channel already showing it. */
export async function finishTargets(state: StateStore, facts: RunFacts, defaultChannel: string | undefined, tagged: readonly string[] = []): Promise<Target[]> {
  const targets = new Map<string, Target>();
  for (const found of await subscribedTargets(state, facts, defaultChannel, tagged)) targets.set(found.channelId, found);
  if (facts.origin && !targets.has(facts.origin.channelId)) targets.set(facts.origin.channelId, { channelId: facts.origin.channelId });
  for (const found of await postedTargets(state, facts)) if (!targets.has(found.channelId)) targets.set(found.channelId, found);
  return [...targets.values()];
}
