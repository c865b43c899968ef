/**
 * Counts what reaches a store, one count per request an S3 store would send: gets, writes
 * (create, replace, putText), deletes and listings. Tests and the pages bench use it to show a
 * run's page updates cost the same whatever the archive's size.
 */
import type { ArchiveStore, StateStore } from "../../functions/core/ports.js";

export interface RequestCounts {
  reads: number;
  writes: number;
  deletes: number;
  lists: number;
}

const KIND: Record<string, keyof RequestCounts> = {
  get: "reads",
  getText: "reads",
  exists: "reads",
  create: "writes",
  replace: "writes",
  putText: "writes",
  putStream: "writes",
  delete: "deletes",
  list: "lists",
  listKeys: "lists",
};

export function counting<T extends ArchiveStore | StateStore>(store: T, counts: RequestCounts): T {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      const kind = KIND[String(property)];
      return (...args: unknown[]) => {
        if (kind) counts[kind]++;
        return value.apply(target, args);
      };
    },
  });
}

export const noRequests = (): RequestCounts => ({ reads: 0, writes: 0, deletes: 0, lists: 0 });
export const total = (counts: RequestCounts) => counts.reads + counts.writes + counts.deletes + counts.lists;
