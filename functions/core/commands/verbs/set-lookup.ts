/**
 * Naming a set: a 24-hex id, or its exact name (case-insensitive); otherwise the closest names.
 * Every verb that takes a set looks it up with lookUpSet, by the cached set list (set-list.ts):
 * a name the list has costs no page of Amigo's set list, a name it lacks re-reads the list (at
 * most once a minute per process) before saying there is none. resolveSet reads Amigo
 * directly, for the terminal's one-off commands.
 */
import type { UnitTestSet } from "../../model/amigo-model.js";
import { type ChatMessage, type Line, notice, say } from "../../chat.js";
import { closestNames } from "../commands.js";
import { isObjectId } from "../../model/object-id.js";
import { isDeferral } from "../../model/amigo-errors.js";
import type { AmigoApi } from "../../ports.js";
import type { CachedSet } from "../set-list.js";
import type { CommandContext } from "./context.js";

type Refusal = { ok: false; reply: ChatMessage };

/** A name found in a list younger than this is used as is; in an older one it is confirmed by id (one request). */
export const SET_LIST_TRUSTED_MS = 10 * 60_000;
export type SetLookup = { ok: true; set: CachedSet } | Refusal;

async function byId(amigo: AmigoApi, id: string): Promise<{ ok: true; set: UnitTestSet } | Refusal> {
  const found = (await amigo.listSets([id])).find((set) => set.id === id && !set.is_deleted);
  return found ? { ok: true, set: found } : { ok: false, reply: say("warning", ["There is no set with id ", { code: id }, "."]) };
}

const named = (sets: readonly CachedSet[], query: string) => sets.filter((set) => set.name.toLowerCase() === query.trim().toLowerCase());

function ambiguous(query: string, matches: readonly CachedSet[]): Refusal {
  return {
    ok: false,
    reply: notice("warning", [
      [`${matches.length} sets are named “`, query, "”. Name one by its id:"],
      ...matches.slice(0, 10).map((set): Line => ["• ", { code: set.id }, " ", set.name]),
    ]),
  };
}

function noneNamed(query: string, names: readonly string[], note?: Line): Refusal {
  const close = closestNames(query, names);
  return {
    ok: false,
    reply: notice("warning", [
      ["There is no set named “", query, "”."],
      close.length > 0 ? ["Closest names: ", ...close.flatMap((name, i): Line => (i === 0 ? [{ bold: name }] : [", ", { bold: name }]))] : [`(simwatch can see ${names.length} sets.)`],
      ...(note ? [note] : []),
    ]),
  };
}

/** A typed name this long that matches nothing may have been cut short on the way (Slack's text limits). */
const CUT_NAME_CHARS = 100;

/** Sets whose names begin with a long query that names none: each with the id that names it whole. */
function cutShort(query: string, sets: readonly CachedSet[]): Refusal | undefined {
  const typed = query.trim().toLowerCase();
  const begun = typed.length >= CUT_NAME_CHARS ? sets.filter((set) => set.name.toLowerCase().startsWith(typed)) : [];
  if (begun.length === 0) return undefined;
  return {
    ok: false,
    reply: notice("warning", [
      ["No set is named exactly that, but ", begun.length === 1 ? "one set's name begins" : `${begun.length} sets' names begin`, " with it (a long name may arrive cut short). Name it by its id:"],
      ...begun.slice(0, 10).map((set): Line => ["• ", { code: set.id }, " ", set.name]),
    ]),
  };
}

/** The answer for `query` among `sets`: the one set, several of that name, or none. */
function decide(query: string, sets: readonly CachedSet[]): SetLookup {
  const matches = named(sets, query);
  const [only] = matches;
  if (only && matches.length === 1) return { ok: true, set: only };
  if (matches.length > 1) return ambiguous(query, matches);
  return cutShort(query, sets) ?? noneNamed(query, sets.map((set) => set.name));
}

/** The set a command names, from the cached set list (every verb that takes a set uses this). */
export async function lookUpSet(ctx: CommandContext, query: string): Promise<SetLookup> {
  const { amigo, sets } = ctx.deps;
  if (isObjectId(query)) return byId(amigo, query);
  const cached = await sets.current(amigo);
  const hit = decide(query, cached.sets);
  if (hit.ok && ctx.now().getTime() - Date.parse(cached.readAt) < SET_LIST_TRUSTED_MS) return hit;
  if (hit.ok) {
    // An older list may name a set since renamed or deleted: one request by id tells.
    const confirmed = await byId(amigo, hit.set.id);
    if (confirmed.ok && confirmed.set.name.toLowerCase() === hit.set.name.toLowerCase()) return confirmed;
  }
  if (named(cached.sets, query).length > 1) return hit;
  try {
    return decide(query, (await sets.current(amigo, { fresh: true })).sets);
  } catch (error) {
    // Reading the list again does not fit now: answer from the list as it was.
    if (!isDeferral(error)) throw error;
    const names = cached.sets.filter((set) => !hit.ok || set.id !== hit.set.id).map((set) => set.name);
    return noneNamed(query, names, olderListNote(cached.readAt, ctx.now()));
  }
}

/** Said under a "no such set" answered from a list some minutes old. */
function olderListNote(readAt: string, now: Date): Line {
  const minutes = Math.max(1, Math.round((now.getTime() - Date.parse(readAt)) / 60_000));
  return [`(From simwatch's list of sets as read ${minutes} minute${minutes === 1 ? "" : "s"} ago: a set created or renamed since may not show yet. Try again in a minute or two.)`];
}

/** The set named by `query`, read from Amigo directly (the terminal's commands: one process, one command). */
export async function resolveSet(amigo: AmigoApi, query: string): Promise<{ ok: true; set: UnitTestSet } | Refusal> {
  if (isObjectId(query)) return byId(amigo, query);
  const matches = (await amigo.findSetsByName(query)).filter((set) => !set.is_deleted);
  const [only] = matches;
  if (only && matches.length === 1) return { ok: true, set: only };
  if (matches.length > 1) return ambiguous(query, matches);
  return noneNamed(query, (await amigo.listSets()).filter((set) => !set.is_deleted).map((set) => set.name));
}
