import { describe, expect, it } from "vitest";
import { createSetList, type SetListDoc } from "../../../../functions/core/commands/set-list.js";
import { stateKeys } from "../../../../functions/core/idempotency/state-keys.js";
import { RateLimited } from "../../../../functions/core/model/amigo-errors.js";
import type { UnitTestSet } from "../../../../functions/core/model/amigo-model.js";
import type { AmigoApi } from "../../../../functions/core/ports.js";
import { MemoryStateStore } from "../../../support/memory-state-store.js";

const id = (n: number) => n.toString(16).padStart(24, "0");
const aSet = (n: number, name = `Set ${n}`, deleted = false) => ({ id: id(n), name, is_deleted: deleted }) as UnitTestSet;

/** Amigo's set list, 20 a page, answering `allowed` pages before its limit refuses. */
function amigo(sets: UnitTestSet[], allowed = Number.POSITIVE_INFINITY) {
  const asked: number[] = [];
  const api = {
    async setsPage(token: number) {
      if (asked.length >= allowed) throw new RateLimited("limit", {});
      asked.push(token);
      const items = sets.slice(token, token + 20);
      return token + 20 < sets.length ? { items, next: token + 20 } : { items };
    },
  } as unknown as AmigoApi;
  return { api, asked };
}

function clock(start = Date.parse("2026-04-01T12:00:00Z")) {
  let now = start;
  return { now: () => new Date(now), advance: (ms: number) => void (now += ms) };
}

describe("the cached set list", () => {
  it("keeps each page as it reads, and the next process goes on from where a limit stopped the read", async () => {
    const state = new MemoryStateStore();
    const time = clock();
    const sets = Array.from({ length: 50 }, (_, n) => aSet(n, `Set ${n}`, n === 7));
    const first = amigo(sets, 2);
    await expect(createSetList({ state, clock: time }).current(first.api)).rejects.toBeInstanceOf(RateLimited);
    expect((await state.get<SetListDoc>(stateKeys.setList()))?.value.reading?.sets).toHaveLength(39);

    const second = amigo(sets);
    const list = await createSetList({ state, clock: time }).current(second.api);
    expect(second.asked).toEqual([40]);
    expect(list.sets).toHaveLength(49);
    expect(list.sets.map((set) => set.name)).not.toContain("Set 7");
  });

  it("reads a complete list again at most once a minute per process, and only its last page in between", async () => {
    const state = new MemoryStateStore();
    const time = clock();
    const sets = Array.from({ length: 30 }, (_, n) => aSet(n));
    const list = createSetList({ state, clock: time });
    const api = amigo(sets);
    await list.current(api.api);
    expect(api.asked).toEqual([0, 20]);

    // A set created since, and one renamed on the last page: the last page read again finds both.
    sets.push(aSet(30, "Brand new"));
    sets[25] = aSet(25, "Renamed");
    const fresh = await list.current(api.api, { fresh: true });
    expect(api.asked).toEqual([0, 20, 20]);
    expect(fresh.sets.map((set) => set.name)).toEqual(expect.arrayContaining(["Brand new", "Renamed"]));
    expect(fresh.sets.map((set) => set.name)).not.toContain("Set 25");

    // Not asked for a fresh one: no request at all.
    await list.current(api.api);
    expect(api.asked).toHaveLength(3);

    time.advance(61_000);
    await list.current(api.api, { fresh: true });
    expect(api.asked).toEqual([0, 20, 20, 0, 20]);
  });

  it("two processes reading at once never keep a page twice", async () => {
    const state = new MemoryStateStore();
    const time = clock();
    const sets = Array.from({ length: 100 }, (_, n) => aSet(n));
    const [a, b] = await Promise.all([createSetList({ state, clock: time }).current(amigo(sets).api), createSetList({ state, clock: time }).current(amigo(sets).api)]);
    for (const list of [a, b]) expect(new Set(list.sets.map((set) => set.id)).size).toBe(list.sets.length);
    expect((await state.get<SetListDoc>(stateKeys.setList()))?.value.sets).toHaveLength(100);
  });
});
