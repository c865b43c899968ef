/** A channel's subscription to the fixtures' set (summary-fixtures.ts), as `/sim subscribe` saves it. */
import type { Mention } from "../../functions/core/commands/commands.js";
import type { StateStore } from "../../functions/core/ports.js";
import { saveSubscription } from "../../functions/core/notifier/subscriptions.js";
import { SET_ID } from "./summary-fixtures.js";

export async function subscribeChannel(state: StateStore, channelId: string, options: { failuresOnly?: boolean; mention?: Mention } = {}): Promise<void> {
  await saveSubscription(state, {
    setId: SET_ID,
    setName: "Checkout flows",
    channelId,
    failuresOnly: options.failuresOnly ?? false,
    ...(options.mention ? { mention: options.mention } : {}),
    createdBy: "U0ALICE",
    createdAt: "2026-04-01T12:00:00.000Z",
  });
}
