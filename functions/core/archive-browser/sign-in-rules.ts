/**
 * The archive browser's sign-in rules, as pure values: how long a session lasts, where a person
 * goes after signing in (only back into the archive, never an open redirect), and which Slack
 * workspace a signed-in person belongs to (from Slack's id_token claims).
 */
import { type AccessPolicy, fromAllowedWorkspace } from "../commands/access.js";

/** A session lasts at most this long; then Slack is asked again. */
export const SESSION_MAX_SECONDS = 12 * 3600;
/** Between leaving for Slack's sign-in page and coming back. */
export const SIGN_IN_WINDOW_SECONDS = 10 * 60;

/** Slack's claims naming the person's workspace and, on Enterprise Grid, its organization. */
export const SLACK_TEAM_CLAIM = "https://slack.com/team_id";
export const SLACK_ENTERPRISE_CLAIM = "https://slack.com/enterprise_id";

/** Where to go after signing in: `next` when it is a path inside the archive browser, else its index. */
export function safeNext(next: string | undefined, base: string): string {
  if (next === undefined || !next.startsWith(`${base}/`) || next.includes("\\") || /[\u0000-\u001f]/.test(next)) return `${base}/`;
  // "/archive/..//evil.example" resolves inside the origin, but say no to anything odd all the same.
  if (next.includes("//") || next.split("/").includes("..")) return `${base}/`;
  return next;
}

export interface SlackIdentityClaims {
  sub: string;
  teamId?: string;
  enterpriseId?: string;
  name?: string;
}

/** The identity in a verified id_token's claims. */
export function identityOf(claims: Record<string, unknown>): SlackIdentityClaims | undefined {
  const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
  const sub = text(claims.sub);
  if (sub === undefined) return undefined;
  const teamId = text(claims[SLACK_TEAM_CLAIM]);
  const enterpriseId = text(claims[SLACK_ENTERPRISE_CLAIM]);
  const name = text(claims.name);
  return { sub, ...(teamId ? { teamId } : {}), ...(enterpriseId ? { enterpriseId } : {}), ...(name ? { name } : {}) };
}

/** Reading the archive is open to the allowed workspaces, as `/sim status` is. */
export function workspaceAllowed(policy: AccessPolicy, identity: SlackIdentityClaims): boolean {
  if (identity.teamId === undefined && identity.enterpriseId === undefined) return false;
  return fromAllowedWorkspace(policy, {
    userId: identity.sub,
    teamIds: identity.teamId ? [identity.teamId] : [],
    enterpriseIds: identity.enterpriseId ? [identity.enterpriseId] : [],
  });
}
