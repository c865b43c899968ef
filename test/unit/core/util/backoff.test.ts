import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../../../functions/core/util/backoff.js";

describe("backoffDelay", () => {
  it("waits up to base x 2^retry, capped, anywhere from zero (full jitter)", () => {
    const backoff = { baseMs: 100, maxMs: 1_000 };
    expect(backoffDelay(0, backoff, () => 0)).toBe(0);
    expect(backoffDelay(0, backoff, () => 0.999)).toBe(99);
    expect(backoffDelay(2, backoff, () => 0.5)).toBe(200);
    expect(backoffDelay(10, backoff, () => 0.999)).toBe(999);
  });
});
