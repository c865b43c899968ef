/**
 * Who may do what, from where. Every request must come from an allowed Slack workspace
 * (SLACK_TEAM_ID); everything that changes something, and every button, also needs an allowed
 * user in an allowed channel (SLACK_ALLOWED_USERS / SLACK_ALLOWED_CHANNELS); an answer goes
 * only to a response_url on Slack's host. The Slack app checks before a command goes on the
 * bus and the command worker checks again before acting, with the same function, so an event
 * that did not come through the app changes nothing either.
 */
import type { Line, Span } from "../chat.js";
import { VERBS, type Verb } from "./commands.js";
import type { Config } from "../config.js";
import type { AcceptedCommand, SlackIdentity } from "../events.js";
import { isLoopbackHost } from "../outbound-urls.js";

/** Whether each verb changes something. A new verb must say which it is; read-only verbs stay open. */
const CHANGES: { readonly [V in Verb]: boolean } = {
  run: true,
  cancel: true,
  subscribe: true,
  unsubscribe: true,
  status: false,
  list: false,
  subscriptions: false,
  schedule: true,
  schedules: false,
  unschedule: true,
  report: false,
  help: false,
};

export const CHANGING_VERBS: ReadonlySet<Verb> = new Set(VERBS.filter((verb) => CHANGES[verb]));

/** Changing verbs, and every button (the download button included, though it changes nothing). */
export function needsPermission(command: AcceptedCommand): boolean {
  return command.verb === "download" || CHANGING_VERBS.has(command.verb);
}

/** Slack's host for response_url (https://hooks.slack.com/commands/..., /actions/...). */
export const SLACK_HOOKS_ORIGIN = "https://hooks.slack.com";

export interface AccessPolicy {
  /** SLACK_ALLOWED_USERS; empty = everyone. */
  users: readonly string[];
  /** SLACK_ALLOWED_CHANNELS; empty = every channel. */
  channels: readonly string[];
  /** SLACK_TEAM_ID: team (T…) or Enterprise Grid (E…) ids; empty = any workspace. */
  workspaces: readonly string[];
  /** Origins a response_url may have: Slack's hooks host and that of SLACK_API_URL (a test stand-in). */
  responseOrigins: readonly string[];
  /** Also any loopback response_url: only where the terminal stands in for Slack (`simwatch slash`). */
  loopbackResponses: boolean;
}

export function accessPolicy(
  config: Pick<Config, "SLACK_ALLOWED_USERS" | "SLACK_ALLOWED_CHANNELS" | "SLACK_TEAM_ID" | "SLACK_API_URL">,
  options: { loopbackResponses?: boolean } = {},
): AccessPolicy {
  return {
    users: config.SLACK_ALLOWED_USERS,
    channels: config.SLACK_ALLOWED_CHANNELS,
    workspaces: config.SLACK_TEAM_ID,
    responseOrigins: [...new Set([SLACK_HOOKS_ORIGIN, new URL(config.SLACK_API_URL).origin])],
    loopbackResponses: options.loopbackResponses ?? false,
  };
}

/** Whoever sent a request, as far as access is concerned. */
export interface Requester {
  userId: string;
  channelId?: string;
  /** The workspace of the request and, for a button, the user's own (they differ in Slack Connect). */
  teamIds: readonly string[];
  enterpriseIds: readonly string[];
}

const present = (values: (string | undefined)[]) => [...new Set(values.filter((value): value is string => value !== undefined && value !== ""))];

/** A button's user.team_id holds the organization's E… id on Enterprise Grid. */
export function requester(ids: { userId: string; channelId?: string; teamIds: (string | undefined)[]; enterpriseIds: (string | undefined)[] }): Requester {
  const named = present(ids.teamIds);
  return {
    userId: ids.userId,
    ...(ids.channelId === undefined ? {} : { channelId: ids.channelId }),
    teamIds: named.filter((id) => !id.startsWith("E")),
    enterpriseIds: present([...ids.enterpriseIds, ...named.filter((id) => id.startsWith("E"))]),
  };
}

/** The requester of a slash command, a button click or the command they became. */
export function requesterOf<T extends SlackIdentity>(identity: T): Requester {
  return requester({
    userId: identity.userId,
    ...(identity.channelId === undefined ? {} : { channelId: identity.channelId }),
    teamIds: [identity.teamId, identity.userTeamId],
    enterpriseIds: [identity.enterpriseId],
  });
}

/**
 * From an allowed workspace: every team id the request names is listed, or every enterprise id
 * it names is (listing an organization admits all its workspaces). A request naming none is refused.
 */
export function fromAllowedWorkspace(policy: AccessPolicy, who: Requester): boolean {
  if (policy.workspaces.length === 0) return true;
  const listed = (ids: readonly string[]) => ids.length > 0 && ids.every((id) => policy.workspaces.includes(id));
  return listed(who.teamIds) || listed(who.enterpriseIds);
}

export type AccessDecision = { ok: true } | { ok: false; reason: "workspace" | "user" | "channel"; line: Line };

/** "a, b and c", or "a, b, c, d, e and 3 more", as mentions. */
function listOf(ids: readonly string[], as: "user" | "channel"): Span[] {
  const shown = ids.slice(0, 5).map((id): Span => (as === "user" ? { user: id } : { channel: id }));
  const rest = ids.length - shown.length;
  const spans: Span[] = [];
  shown.forEach((span, index) => {
    if (index > 0) spans.push(index === shown.length - 1 && rest === 0 ? " and " : ", ");
    spans.push(span);
  });
  if (rest > 0) spans.push(` and ${rest} more`);
  return spans;
}

const guarded = () => `${[...CHANGING_VERBS].join(", ")} and the buttons`;

/** The refusal of a request from outside the allowed workspaces, for any command, read-only or not. */
export function checkWorkspace(policy: AccessPolicy, who: Requester): AccessDecision {
  if (fromAllowedWorkspace(policy, who)) return { ok: true };
  return { ok: false, reason: "workspace", line: ["simwatch answers only members of the Slack workspaces listed in its ", { code: "SLACK_TEAM_ID" }, "; this request came from another one."] };
}

export function checkAccess(policy: AccessPolicy, who: Requester, command: AcceptedCommand): AccessDecision {
  const workspace = checkWorkspace(policy, who);
  if (!workspace.ok || !needsPermission(command)) return workspace;
  if (policy.users.length > 0 && !policy.users.includes(who.userId)) {
    return { ok: false, reason: "user", line: ["Only ", ...listOf(policy.users, "user"), ` may use ${guarded()} (`, { code: "SLACK_ALLOWED_USERS" }, "); ask one of them."] };
  }
  if (policy.channels.length > 0 && (who.channelId === undefined || !policy.channels.includes(who.channelId))) {
    return { ok: false, reason: "channel", line: [`${guarded().replace(/^./, (c) => c.toUpperCase())} work only in `, ...listOf(policy.channels, "channel"), " (", { code: "SLACK_ALLOWED_CHANNELS" }, ")."] };
  }
  return { ok: true };
}

/** Whether an answer may be sent to `responseUrl`: Slack's hooks host (or a configured stand-in's), never credentials. */
export function responseUrlAllowed(policy: AccessPolicy, responseUrl: string): boolean {
  if (!URL.canParse(responseUrl)) return false;
  const url = new URL(responseUrl);
  if (url.username !== "" || url.password !== "") return false;
  if (policy.responseOrigins.includes(url.origin)) return true;
  return policy.loopbackResponses && (url.protocol === "http:" || url.protocol === "https:") && isLoopbackHost(url.hostname);
}
