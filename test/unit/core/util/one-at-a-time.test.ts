import { describe, expect, it } from "vitest";
import { oneAtATimePerKey } from "../../../../functions/core/util/concurrency.js";

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("oneAtATimePerKey", () => {
  it("runs a key's tasks one after another in order, other keys alongside, and goes on after a failure", async () => {
    const run = oneAtATimePerKey();
    const log: string[] = [];
    const task = (name: string, fail = false) => async () => {
      log.push(`${name} start`);
      await tick();
      log.push(`${name} end`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([run("a", task("a1", true)), run("a", task("a2")), run("b", task("b1"))]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message))).toEqual(["a1", "a2", "b1"]);
    expect(results[0]?.status).toBe("rejected");
    // a2 starts only after a1 ended; b1 starts before a1 ends.
    expect(log.indexOf("a2 start")).toBeGreaterThan(log.indexOf("a1 end"));
    expect(log.indexOf("b1 start")).toBeLessThan(log.indexOf("a1 end"));
  });
});
