import { describe, expect, it } from "vitest";
import { parseRetryAfterSeconds } from "../../../functions/amigo/retry-policy.js";

describe("Retry-After", () => {
  const now = new Date("2026-04-01T12:00:00Z");

  it("reads delta-seconds and HTTP dates", () => {
    expect(parseRetryAfterSeconds("7", now)).toBe(7);
    expect(parseRetryAfterSeconds("0", now)).toBe(0);
    expect(parseRetryAfterSeconds("Wed, 01 Apr 2026 12:00:30 GMT", now)).toBe(30);
    expect(parseRetryAfterSeconds("Wed, 01 Apr 2026 11:00:00 GMT", now)).toBe(0);
  });

  it("ignores a missing or unreadable header", () => {
    expect(parseRetryAfterSeconds(null, now)).toBeUndefined();
    expect(parseRetryAfterSeconds("", now)).toBeUndefined();
    expect(parseRetryAfterSeconds("soon", now)).toBeUndefined();
  });
});
