/**
 * Every set's id and name, cached in state (stateKeys.setList) so a set named in a command is
 * found without reading every page of Amigo's set list per command: Amigo has no name filter,
 * its pages hold 20 sets, and the command worker may list sets only a few times a minute.
 *
 * The list is read page by page and each page saved as it arrives, so a read that Amigo's limits
 * or the step's deadline cut short (a deferral, thrown on) goes on where it stopped at the next
 * delivery, in this process or another. A complete list is read again from the start only when
 * asked to (a name it lacks), when it is more than a minute old, and at most once a minute per
 * process; younger, only its last page is read again (Amigo lists sets in the order they were
 * created, so a set created since is there: one request).
 */
import { updateState } from "../idempotency/state-update.js";
import { stateKeys } from "../idempotency/state-keys.js";
import type { UnitTestSet } from "../model/amigo-model.js";
import type { AmigoApi, Clock, StateStore } from "../ports.js";

export type CachedSet = Pick<UnitTestSet, "id" | "name">;

export interface SetListDoc {
  /** The last complete list (absent before the first read finished). */
  sets?: CachedSet[];
  /** When that list was read completely (ISO). */
  readAt?: string;
  /** The token of the list's last page, read again to find sets created since (one request). */
  tailToken?: number;
  /** A read under way: the pages read so far and where the next one starts. */
  reading?: { startedAt: string; token: number; sets: CachedSet[] };
}

/** A complete list younger than this is not read again; a process starts a new read at most this often. */
export const SET_LIST_REFRESH_MS = 60_000;
/** A read left unfinished this long is started over rather than finished with pages that old. */
const STALE_READ_MS = 30 * 60_000;

export interface SetList {
  /**
   * The complete list. `fresh`: re-read it first when it is over a minute old (and this process
   * has not started a read within the minute). Throws a deferral, its pages so far saved, when
   * Amigo's limits or the deadline stop the read.
   */
  current(amigo: AmigoApi, options?: { fresh?: boolean }): Promise<{ sets: CachedSet[]; readAt: string }>;
  /** What the cache holds now (no Amigo call): for a message saying how far a read has come. */
  peek(): Promise<SetListDoc | undefined>;
}

export function createSetList(deps: { state: StateStore; clock: Clock }): SetList {
  const key = stateKeys.setList();
  const nowMs = () => deps.clock.now().getTime();
  let lastReadStartedMs = Number.NEGATIVE_INFINITY;

  const peek = async () => (await deps.state.get<SetListDoc>(key))?.value;

  /** Starts a read from page 0, unless another process started one meanwhile (one older than STALE_READ_MS is started over). */
  async function startReading(): Promise<SetListDoc> {
    lastReadStartedMs = nowMs();
    const startedAt = deps.clock.now().toISOString();
    const saved = await updateState<SetListDoc>(deps.state, key, (current) =>
      current?.reading && !stale(current.reading) ? undefined : { ...current, reading: { startedAt, token: 0, sets: [] } },
    );
    return saved.value ?? {};
  }

  const stale = (reading: { startedAt: string }) => nowMs() - Date.parse(reading.startedAt) > STALE_READ_MS;

  /** Reads on from the saved token, saving each page, until the list is complete. */
  async function readOn(amigo: AmigoApi, doc: SetListDoc): Promise<{ sets: CachedSet[]; readAt: string }> {
    let current = doc;
    while (current.reading) {
      const { startedAt, token } = current.reading;
      const page = await amigo.setsPage(token);
      const found = page.items.filter((set) => !set.is_deleted).map(({ id, name }) => ({ id, name }));
      const readAt = deps.clock.now().toISOString();
      const saved = await updateState<SetListDoc>(deps.state, key, (stored) => {
        const reading = stored?.reading;
        // Another process read this page already (or finished): carry on from what it saved.
        if (!reading || reading.startedAt !== startedAt || reading.token !== token) return undefined;
        const sets = [...reading.sets, ...found];
        return page.next === undefined ? { sets, readAt, tailToken: token } : { ...stored, reading: { startedAt, token: page.next, sets } };
      });
      current = saved.value ?? {};
    }
    if (!current.sets || !current.readAt) return readOn(amigo, await startReading());
    return { sets: current.sets, readAt: current.readAt };
  }

  async function current(amigo: AmigoApi, options: { fresh?: boolean } = {}) {
    const doc = (await peek()) ?? {};
    const complete = doc.sets && doc.readAt ? { sets: doc.sets, readAt: doc.readAt } : undefined;
    if (complete && !options.fresh) return complete;
    if (doc.reading && !stale(doc.reading)) return readOn(amigo, doc);
    if (!complete) return readOn(amigo, await startReading());
    const old = nowMs() - Date.parse(complete.readAt) >= SET_LIST_REFRESH_MS;
    const mayStart = nowMs() - lastReadStartedMs >= SET_LIST_REFRESH_MS;
    return old && mayStart ? readOn(amigo, await startReading()) : topUp(amigo, { ...complete, tailToken: doc.tailToken });
  }

  /** The complete list with its last pages read again: sets created (or changed) since, without reading it all. */
  async function topUp(amigo: AmigoApi, complete: { sets: CachedSet[]; readAt: string; tailToken?: number | undefined }) {
    if (complete.tailToken === undefined) return complete;
    const changed: UnitTestSet[] = [];
    let tail = complete.tailToken;
    for (let next: number | undefined = tail; next !== undefined; ) {
      tail = next;
      const page = await amigo.setsPage(next);
      changed.push(...page.items);
      next = page.next;
    }
    const merge = (sets: readonly CachedSet[]) => {
      const byId = new Map(sets.map((set) => [set.id, set]));
      for (const set of changed) set.is_deleted ? byId.delete(set.id) : byId.set(set.id, { id: set.id, name: set.name });
      return [...byId.values()];
    };
    await updateState<SetListDoc>(deps.state, key, (stored) =>
      stored?.sets && stored.readAt === complete.readAt ? { ...stored, sets: merge(stored.sets), tailToken: tail } : undefined,
    );
    return { sets: merge(complete.sets), readAt: complete.readAt };
  }

  return { current, peek };
}
