import { describe, expect, it } from "vitest";
import { batchBySize } from "../../../functions/bus/batches.js";
import { entrySize } from "../../../functions/bus/entry-size.js";

describe("entrySize", () => {
  it("counts UTF-8 bytes of source, detail-type, detail and resources, as AWS does", () => {
    expect(entrySize({ Source: "simwatch", DetailType: "Run Started", Detail: '{"a":"é"}', EventBusName: "ignored" })).toBe(
      8 + 11 + 10,
    );
    expect(entrySize({ Source: "s", DetailType: "d", Detail: "{}", Resources: ["arn:x"], Time: new Date() })).toBe(1 + 1 + 2 + 5 + 14);
  });
});

describe("batchBySize", () => {
  const limits = { maxEntries: 10, maxBytes: 100 };
  it("keeps at most maxEntries per batch, in order", () => {
    const items = Array.from({ length: 25 }, (_, i) => i);
    expect(batchBySize(items, () => 1, limits).map((batch) => batch.length)).toEqual([10, 10, 5]);
    expect(batchBySize(items, () => 1, limits).flat()).toEqual(items);
  });
  it("starts a new batch before the total would reach maxBytes", () => {
    expect(batchBySize([40, 40, 40, 19, 80], (size) => size, limits)).toEqual([[40, 40], [40, 19], [80]]);
  });
  it("gives nothing for nothing", () => {
    expect(batchBySize([], () => 1, limits)).toEqual([]);
  });
});
