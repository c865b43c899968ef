import { describe, expect, it } from "vitest";
import { chunk } from "../../../functions/amigo/paging.js";
import { runFilterParams, toQuery } from "../../../functions/amigo/query.js";

describe("query strings", () => {
  it("repeats array keys, writes booleans as true/false and dates as ISO, and skips what is unset", () => {
    const query = toQuery({
      ...runFilterParams({
        id: ["a", "b"],
        is_completed: true,
        errored: false,
        created_after: new Date("2026-04-01T00:00:00Z"),
        sort_by: ["+created_at"],
      }),
      limit: 50,
    });
    expect(query.toString()).toBe(
      "id=a&id=b&is_completed=true&errored=false&created_after=2026-04-01T00%3A00%3A00.000Z&sort_by=%2Bcreated_at&limit=50",
    );
  });
});

describe("chunk", () => {
  it("splits ids into batches", () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 50)).toEqual([]);
  });
});
