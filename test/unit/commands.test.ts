import { describe, expect, it } from "vitest";
import { closestNames, parseCommand } from "../../functions/core/commands.js";

describe("parseCommand", () => {
  it("reads a run of a set named with spaces in quotes", () => {
    expect(parseCommand('run "Billing Flows"')).toEqual({ ok: true, command: { verb: "run", set: "Billing Flows" } });
  });
  it("answers an empty command with help", () => {
    expect(parseCommand("   ")).toEqual({ ok: true, command: { verb: "help" } });
  });
  it("suggests the verb for a typo", () => {
    const result = parseCommand("cancle 0123456789abcdef01234567");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain("`cancel`");
  });
  it("refuses a cancel without a proper run id", () => {
    const result = parseCommand("cancel abc");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.usage).toContain("cancel <run>");
  });
  it("refuses a Slack mention where a set belongs", () => {
    const result = parseCommand("run &lt;@U123ABC|bob&gt;");
    expect(result.ok).toBe(false);
  });
  it("reads subscribe flags and a group mention", () => {
    expect(parseCommand("subscribe checkout --failures-only --mention <!subteam^S0ABC|@qa>")).toEqual({
      ok: true,
      command: {
        verb: "subscribe",
        set: "checkout",
        failuresOnly: true,
        mention: { kind: "group", markup: "<!subteam^S0ABC>", label: "@qa" },
      },
    });
  });
  it("reads list --failed", () => {
    expect(parseCommand("list --failed")).toEqual({ ok: true, command: { verb: "list", failedOnly: true } });
  });
  it("rejects unknown options and unbalanced quotes", () => {
    expect(parseCommand("list --everything").ok).toBe(false);
    expect(parseCommand('run "Billing').ok).toBe(false);
  });
});

describe("closestNames", () => {
  it("ranks substring and near matches", () => {
    expect(closestNames("checkot", ["Checkout flows", "Billing", "checkout"])).toEqual(["checkout", "Checkout flows"]);
  });
});
