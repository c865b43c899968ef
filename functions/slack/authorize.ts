/**
 * Who may start or cancel runs (SLACK_ALLOWED_USERS / SLACK_ALLOWED_CHANNELS). An empty list
 * allows everyone; when both lists are set, the user and the channel must both be allowed.
 */
import type { Line } from "../core/chat.js";

export interface Allowlists {
  users: readonly string[];
  channels: readonly string[];
}

export type Authorization = { ok: true } | { ok: false; reason: Line };

export function authorize(lists: Allowlists, userId: string, channelId: string | undefined): Authorization {
  if (lists.users.length > 0 && !lists.users.includes(userId)) {
    return { ok: false, reason: ["You are not allowed to start or cancel runs. Ask whoever runs simwatch to add you to ", { code: "SLACK_ALLOWED_USERS" }, "."] };
  }
  if (lists.channels.length > 0 && (channelId === undefined || !lists.channels.includes(channelId))) {
    return { ok: false, reason: ["Runs cannot be started or cancelled from this channel. Allowed channels are listed in ", { code: "SLACK_ALLOWED_CHANNELS" }, "."] };
  }
  return { ok: true };
}
