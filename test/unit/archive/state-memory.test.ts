import { describe, expect, it } from "vitest";
import { MemoryStateStore } from "../../support/memory-state-store.js";
import { describeStateStoreContract } from "../../support/state-store-contract.js";

describeStateStoreContract("MemoryStateStore", async () => new MemoryStateStore());

describe("MemoryStateStore", () => {
  it("hands out copies, so changing a value read does not change the store", async () => {
    const store = new MemoryStateStore();
    await store.create("_simwatch/k.json", { list: [1] });
    const read = await store.get<{ list: number[] }>("_simwatch/k.json");
    read?.value.list.push(2);
    expect((await store.get("_simwatch/k.json"))?.value).toEqual({ list: [1] });
    expect(store.snapshot()).toEqual({ "_simwatch/k.json": { list: [1] } });
  });

  it("refuses a value that is not JSON", async () => {
    const store = new MemoryStateStore();
    await expect(store.create("_simwatch/k.json", undefined)).rejects.toThrow(TypeError);
  });
});
