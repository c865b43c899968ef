/**
 * Owners by Amigo tag: an `owner` tag on a set or a unit test names who is mentioned when it
 * fails (never when it passes). Accepted: `<@U…>`, `<!subteam^S…>`, a bare `U…`/`W…` (user) or
 * `S…` (user group) id, and `@handle`, resolved through the workspace's users and user groups
 * (directory.ts, kept in state). Broadcasts (`<!channel>`, `<!here>`, `<!everyone>`, `@here`…),
 * handles nobody has and anything else stay text: shown, escaped, never a mention.
 */
import type { Owner } from "../chat.js";
import type { Mention } from "../commands/commands.js";
import type { Tag } from "../summary/summary-model.js";
import { type DirectoryDeps, findInDirectory } from "./directory.js";

export const OWNER_TAG = "owner";

/** The words a tag key's values hold (several tags with the key, or one value listing several), Slack markup kept whole. */
export function tagValues(tags: readonly Tag[] | undefined, key: string): string[] {
  const words = (tags ?? [])
    .filter((tag) => tag.key.trim().toLowerCase() === key && tag.value !== null)
    .flatMap((tag) => (tag.value ?? "").match(/<[^>]*>|[^\s,;<]+/g) ?? []);
  return [...new Set(words)];
}

/** One owner as tagged, before any look-up. */
export type OwnerRef = { kind: "user"; id: string } | { kind: "group"; id: string } | { kind: "handle"; handle: string } | { kind: "text"; text: string };

const BROADCASTS = new Set(["channel", "here", "everyone"]);

export function parseOwner(raw: string): OwnerRef {
  const user = /^<@([UW][A-Z0-9]{6,})(?:\|[^>]*)?>$/.exec(raw) ?? /^([UW][A-Z0-9]{6,})$/.exec(raw);
  if (user) return { kind: "user", id: user[1] as string };
  const group = /^<!subteam\^(S[A-Z0-9]{6,})(?:\|[^>]*)?>$/.exec(raw) ?? /^(S[A-Z0-9]{6,})$/.exec(raw);
  if (group) return { kind: "group", id: group[1] as string };
  const handle = /^@([\p{L}\p{N}][\p{L}\p{N}._-]{0,79})$/u.exec(raw);
  if (handle && !BROADCASTS.has((handle[1] as string).toLowerCase())) return { kind: "handle", handle: (handle[1] as string).toLowerCase() };
  return { kind: "text", text: raw };
}

const userMention = (id: string, label = `@${id}`): Owner => ({ mention: { kind: "user", markup: `<@${id}>`, label } satisfies Mention });
const groupMention = (id: string, label = `@${id}`): Owner => ({ mention: { kind: "group", markup: `<!subteam^${id}>`, label } satisfies Mention });

/** A handle as exactly one person or group of the workspace; anything else (none, several, no directory) stays text. */
async function resolveHandle(handle: string, deps: DirectoryDeps | undefined): Promise<Owner> {
  if (!deps) return { text: `@${handle}` };
  const groups = await findInDirectory(deps, "userGroups", (items) => items.filter((group) => group.handle === handle));
  const users = groups.length > 0 ? [] : await findInDirectory(deps, "users", (items) => items.filter((user) => user.handles.includes(handle)));
  const [group] = groups;
  const [user] = users;
  if (groups.length === 1 && group) return groupMention(group.id, `@${handle}`);
  if (users.length === 1 && user) return userMention(user.id, user.label);
  return { text: `@${handle}` };
}

/** The owners an `owner` tag names, each once, in the order tagged. */
export async function ownersOf(tags: readonly Tag[] | undefined, deps: DirectoryDeps | undefined): Promise<Owner[]> {
  const owners: Owner[] = [];
  const seen = new Set<string>();
  for (const raw of tagValues(tags, OWNER_TAG)) {
    const ref = parseOwner(raw);
    const owner =
      ref.kind === "user" ? userMention(ref.id) : ref.kind === "group" ? groupMention(ref.id) : ref.kind === "handle" ? await resolveHandle(ref.handle, deps) : { text: ref.text };
    const key = "mention" in owner ? owner.mention.markup : owner.text;
    if (seen.has(key)) continue;
    seen.add(key);
    owners.push(owner);
  }
  return owners;
}

/** Who to mention for a failed run: the set's owners, and each failing unit test's (by id). Nobody for a run that did not fail. */
export interface RunOwners {
  set: Owner[];
  unitTests: Record<string, Owner[]>;
}

export async function runOwners(
  failed: boolean,
  setTags: readonly Tag[] | undefined,
  unitTests: readonly { unitTestId: string; tags?: readonly Tag[] }[],
  deps: DirectoryDeps | undefined,
): Promise<RunOwners> {
  const owners: RunOwners = { set: [], unitTests: {} };
  if (!failed) return owners;
  owners.set = await ownersOf(setTags, deps);
  for (const test of unitTests) {
    const found = await ownersOf(test.tags, deps);
    if (found.length > 0) owners.unitTests[test.unitTestId] = found;
  }
  return owners;
}

/** The owner as a name only: someone already mentioned in this channel for this run is not mentioned again. */
const asName = (owner: Owner, pinged: ReadonlySet<string>): Owner => ("mention" in owner && pinged.has(owner.mention.markup) ? { text: owner.mention.label } : owner);

/**
 * The owners as one channel shows them, each mentioned once per run there: a set owner the
 * channel's subscription mentions already is left off the failure line; a unit-test owner who
 * is a set owner (or that mention) is named, not mentioned again, in Why it failed.
 */
export function ownersForChannel(owners: RunOwners, channelMention: Mention | undefined): RunOwners {
  const byMention = new Set(channelMention ? [channelMention.markup] : []);
  const set = owners.set.filter((owner) => !("mention" in owner && byMention.has(owner.mention.markup)));
  const pinged = new Set([...byMention, ...set.flatMap((owner) => ("mention" in owner ? [owner.mention.markup] : []))]);
  const unitTests = Object.fromEntries(Object.entries(owners.unitTests).map(([id, found]) => [id, found.map((owner) => asName(owner, pinged))]));
  return { set, unitTests };
}
