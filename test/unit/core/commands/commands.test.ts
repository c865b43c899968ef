import { describe, expect, it } from "vitest";
import { nameOf, readOptions, readWords, splitArguments, type Word } from "../../../../functions/core/commands/command-words.js";
import { closestNames, parseCommand } from "../../../../functions/core/commands/commands.js";

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

describe("names as people type them", () => {
  it.each([
    ["run Checkout flows", { verb: "run", set: "Checkout flows" }],
    ["unsubscribe Checkout flows", { verb: "unsubscribe", set: "Checkout flows" }],
    ["status billing DISPUTES", { verb: "status", target: "billing DISPUTES" }],
    ["list Checkout flows --failed", { verb: "list", set: "Checkout flows", failedOnly: true }],
    ["subscribe Checkout flows --failures-only", { verb: "subscribe", set: "Checkout flows", failuresOnly: true }],
    ["subscribe Refund edge cases --mention @here --failures-only", { verb: "subscribe", set: "Refund edge cases", failuresOnly: true, mention: { kind: "here", markup: "<!here>", label: "@here" } }],
  ])("reads %s unquoted", (text, command) => {
    expect(parseCommand(text)).toEqual({ ok: true, command });
  });

  it("still accepts quotes, keeps the name's own spacing, and still takes ids", () => {
    expect(parseCommand('run "Checkout flows"')).toEqual({ ok: true, command: { verb: "run", set: "Checkout flows" } });
    expect(parseCommand("run “Checkout flows” ")).toEqual({ ok: true, command: { verb: "run", set: "Checkout flows" } });
    expect(parseCommand("run Checkout  flows")).toEqual({ ok: true, command: { verb: "run", set: "Checkout  flows" } });
    expect(parseCommand("status 695b7d904226fdec9400001f")).toEqual({ ok: true, command: { verb: "status", target: "695b7d904226fdec9400001f" } });
  });

  it("reads a set whose name contains -- when it is quoted, and says to quote it when it is not", () => {
    expect(parseCommand('subscribe "Nightly -- full" --failures-only')).toEqual({ ok: true, command: { verb: "subscribe", set: "Nightly -- full", failuresOnly: true } });
    const unquoted = parseCommand("run Nightly -- full");
    expect(unquoted.ok).toBe(false);
    if (!unquoted.ok) expect(unquoted.error).toContain("must be quoted");
  });

  it("answers options typed before the name, and half-quoted names, with what to do", () => {
    const early = parseCommand("list --failed Checkout flows");
    expect(early.ok).toBe(false);
    if (!early.ok) expect(early.error).toContain("put the name first");
    const half = parseCommand('run "Checkout" flows');
    expect(half.ok).toBe(false);
    if (!half.ok) expect(half.error).toContain("Quote the whole name");
  });
});

describe("command words, for verbs with more than a name", () => {
  it("gives the words before the first option and the options with their values", () => {
    const words = readWords("Checkout flows daily 09:00 --tz Europe/Paris") as Word[];
    const { nameWords, options } = splitArguments(words);
    expect(nameWords.map((word) => word.text)).toEqual(["Checkout", "flows", "daily", "09:00"]);
    expect(nameOf(nameWords.slice(0, -2))).toEqual({ name: "Checkout flows" });
    expect(readOptions("schedule", options, { tz: "string" })).toEqual(new Map([["tz", "Europe/Paris"]]));
    expect(readOptions("schedule", readWords("--tz") as Word[], { tz: "string" })).toEqual({ error: "--tz needs a value." });
    expect(readOptions("schedule", readWords("--tz=UTC") as Word[], { tz: "string" })).toEqual(new Map([["tz", "UTC"]]));
  });
});

describe("closestNames", () => {
  it("ranks substring and near matches", () => {
    expect(closestNames("checkot", ["Checkout flows", "Billing", "checkout"])).toEqual(["checkout", "Checkout flows"]);
  });
});
