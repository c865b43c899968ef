/** Naming a set: a 24-hex id, or its exact name (case-insensitive); otherwise the closest names. */
import type { UnitTestSet } from "../../model/amigo-model.js";
import { type ChatMessage, type Line, notice, say } from "../../chat.js";
import { closestNames } from "../commands.js";
import { isObjectId } from "../../model/object-id.js";
import type { AmigoApi } from "../../ports.js";

export type SetLookup = { ok: true; set: UnitTestSet } | { ok: false; reply: ChatMessage };

export async function resolveSet(amigo: AmigoApi, query: string): Promise<SetLookup> {
  if (isObjectId(query)) {
    const found = (await amigo.listSets([query])).find((set) => set.id === query && !set.is_deleted);
    return found ? { ok: true, set: found } : { ok: false, reply: say("warning", ["There is no set with id ", { code: query }, "."]) };
  }
  const matches = (await amigo.findSetsByName(query)).filter((set) => !set.is_deleted);
  const [only] = matches;
  if (only && matches.length === 1) return { ok: true, set: only };
  if (matches.length > 1) {
    return {
      ok: false,
      reply: notice("warning", [
        [`${matches.length} sets are named “`, query, "”. Name one by its id:"],
        ...matches.slice(0, 10).map((set): Line => ["• ", { code: set.id }, " ", set.name]),
      ]),
    };
  }
  const names = (await amigo.listSets()).filter((set) => !set.is_deleted).map((set) => set.name);
  const close = closestNames(query, names);
  return {
    ok: false,
    reply: notice("warning", [
      ["There is no set named “", query, "”."],
      close.length > 0 ? ["Closest names: ", ...close.flatMap((name, i): Line => (i === 0 ? [{ bold: name }] : [", ", { bold: name }]))] : [`(simwatch can see ${names.length} sets.)`],
    ]),
  };
}
