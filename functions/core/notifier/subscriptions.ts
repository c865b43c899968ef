/**
 * Which channel hears about which set (`/sim subscribe`), kept in state at
 * stateKeys.subscription(setId, channelId): one small JSON object per pair.
 */
import type { Mention } from "../commands/commands.js";
import type { StateStore } from "../ports.js";
import { stateKeys } from "../idempotency/state-keys.js";

export interface Subscription {
  setId: string;
  /** The set's name when subscribed (for listing without asking Amigo). */
  setName: string;
  channelId: string;
  /** Only failed and errored runs are posted (nothing while running, nothing for passes). */
  failuresOnly: boolean;
  /** Pinged when a run fails. */
  mention?: Mention;
  createdBy: string;
  createdAt: string;
}

/** Every subscription, or a set's (each key read once; unreadable ones are skipped). */
export async function listSubscriptions(state: StateStore, setId?: string): Promise<Subscription[]> {
  const keys = await state.list(stateKeys.subscriptionsPrefix(setId));
  const found = await Promise.all(keys.map(async (key) => (await state.get<Subscription>(key))?.value));
  return found.filter((sub): sub is Subscription => sub !== undefined && typeof sub.channelId === "string");
}

/** Creates or replaces the channel's subscription to a set. Returns whether one existed. */
export async function saveSubscription(state: StateStore, sub: Subscription): Promise<{ replaced: boolean }> {
  const key = stateKeys.subscription(sub.setId, sub.channelId);
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await state.create(key, sub)) return { replaced: false };
    const existing = await state.get<Subscription>(key);
    if (existing && (await state.replace(key, sub, existing.etag))) return { replaced: true };
  }
  throw new Error(`Could not save the subscription at ${key}: it kept changing`);
}

export async function removeSubscription(state: StateStore, setId: string, channelId: string): Promise<boolean> {
  const key = stateKeys.subscription(setId, channelId);
  if ((await state.get(key)) === undefined) return false;
  await state.delete(key);
  return true;
}
