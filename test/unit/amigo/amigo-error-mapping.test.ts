import { describe, expect, it } from "vitest";
import {
  ActiveRunExists,
  AmigoApiError,
  ArtifactsNotReady,
  isAmigoError,
  NotFound,
  RateLimited,
  RunNotInProgress,
  ServiceUnavailable,
  UnexpectedStatus,
} from "../../../functions/core/model/amigo-errors.js";
import { errorFromAnswer, readErrorDetail } from "../../../functions/amigo/error-mapping.js";
import { Redactor } from "../../../functions/amigo/redactor.js";

describe("reading an error body", () => {
  it("reads detail, then message, then error", () => {
    expect(readErrorDetail({ detail: "a", message: "b", error: "c" })).toBe("a");
    expect(readErrorDetail({ message: "b", error: "c" })).toBe("b");
    expect(readErrorDetail({ error: "c" })).toBe("c");
    expect(readErrorDetail({})).toBeUndefined();
    expect(readErrorDetail(undefined)).toBeUndefined();
    expect(readErrorDetail("Bad gateway")).toBe("Bad gateway");
  });

  it("renders a 422 list of {loc, msg, type} readably", () => {
    const body = {
      detail: [
        { loc: ["query", "limit"], msg: "Input should be less than or equal to 50", type: "less_than_equal" },
        { loc: ["query", "id", 1], msg: "String should match pattern", type: "string_pattern_mismatch" },
      ],
    };
    expect(readErrorDetail(body)).toBe("query.limit: Input should be less than or equal to 50; query.id.1: String should match pattern");
  });
});

describe("mapping a status to an error a caller can act on", () => {
  const answer = (endpoint: Parameters<typeof errorFromAnswer>[0]["endpoint"], status: number) =>
    errorFromAnswer({ endpoint, status, detail: "why", retryAfterSeconds: 12, subject: "abc" });

  it("tells 409 on create from 409 on cancel", () => {
    expect(answer("createRun", 409)).toBeInstanceOf(ActiveRunExists);
    expect(answer("cancelRun", 409)).toBeInstanceOf(RunNotInProgress);
    expect(answer("listRuns", 409)).toBeInstanceOf(UnexpectedStatus);
  });

  it("maps 400 on artifacts, 404, 429 and 5xx", () => {
    expect(answer("getArtifacts", 400)).toBeInstanceOf(ArtifactsNotReady);
    expect(answer("listSets", 404)).toBeInstanceOf(NotFound);
    const limited = answer("listRuns", 429);
    expect(limited).toBeInstanceOf(RateLimited);
    expect((limited as RateLimited).retryAfterSeconds).toBe(12);
    expect(answer("listRuns", 503)).toBeInstanceOf(ServiceUnavailable);
  });

  it("carries status, detail, endpoint and a stable name and code", () => {
    const error = answer("cancelRun", 409);
    expect(error).toBeInstanceOf(AmigoApiError);
    expect(error).toMatchObject({
      name: "RunNotInProgress",
      code: "run_not_in_progress",
      status: 409,
      detail: "why",
      endpoint: "DELETE /v1/{org}/simulation/unit_test_set_run/{run_id}/",
    });
    expect(error.message).toContain("abc");
    expect(isAmigoError(error, "run_not_in_progress")).toBe(true);
    expect(isAmigoError(error, "not_found")).toBe(false);
    expect(isAmigoError(new Error("x"))).toBe(false);
  });
});

describe("redaction", () => {
  it("replaces every known secret, in text and nested values", () => {
    const redactor = new Redactor();
    redactor.add("super-secret-key");
    redactor.add("abc"); // too short to redact safely
    expect(redactor.text("key super-secret-key twice super-secret-key abc")).toBe("key [redacted] twice [redacted] abc");
    expect(redactor.value({ a: ["super-secret-key"], b: 1 })).toEqual({ a: ["[redacted]"], b: 1 });
  });
});
