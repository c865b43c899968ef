/**
 * The workspace "Slack: this terminal" stands for, so routing and owners by Amigo tag work in
 * `npm start`'s demo without Slack: a few channels, people and a group, matching the tags of the
 * embedded simulator's sets (seed-catalog.ts). With a bot token, Slack's own directory is used.
 */
import type { DirectoryChannel, DirectoryGroup, DirectoryUser, SlackDirectory } from "../core/notifier/directory.js";

const CHANNELS: DirectoryChannel[] = [
  { id: "C0PAYMENTS", name: "payments-alerts", isPrivate: false, isMember: true },
  { id: "C0COMMERCE", name: "commerce", isPrivate: false, isMember: true },
];
const USERS: DirectoryUser[] = [
  { id: "U0DANA", handles: ["dana"], label: "@dana" },
  { id: "U0SAM", handles: ["sam"], label: "@sam" },
];
const GROUPS: DirectoryGroup[] = [{ id: "S0PAYONCALL", handle: "payments-oncall" }];

export class TerminalDirectory implements SlackDirectory {
  async channels(): Promise<DirectoryChannel[]> {
    return CHANNELS.map((channel) => ({ ...channel }));
  }
  async users(): Promise<DirectoryUser[]> {
    return USERS.map((user) => ({ ...user, handles: [...user.handles] }));
  }
  async userGroups(): Promise<DirectoryGroup[]> {
    return GROUPS.map((group) => ({ ...group }));
  }
  async join(): Promise<"joined"> {
    return "joined";
  }
}
