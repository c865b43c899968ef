import { describe, expect, it } from "vitest";
import { nameOf, readOptions, readWords, splitArguments, type Word } from "../../../../functions/core/commands/command-words.js";
import { closestNames, parseCommand, VERB_FLAGS } from "../../../../functions/core/commands/commands.js";

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

describe("Slack text as people really type it", () => {
  const em = "\u2014";
  const en = "\u2013";
  const nbsp = "\u00a0";
  const here = { kind: "here", markup: "<!here>", label: "@here" };

  it.each([
    [`list Checkout flows ${em}failed`, { verb: "list", set: "Checkout flows", failedOnly: true }],
    [`list ${en}failed`, { verb: "list", failedOnly: true }],
    [`subscribe Loyalty points ${em}failures-only`, { verb: "subscribe", set: "Loyalty points", failuresOnly: true }],
    [`subscribe Loyalty points ${en}failures-only`, { verb: "subscribe", set: "Loyalty points", failuresOnly: true }],
    [`subscribe Loyalty points ${em}-failures-only`, { verb: "subscribe", set: "Loyalty points", failuresOnly: true }],
    [`subscribe Loyalty points ${em}mention @here ${em}failures-only`, { verb: "subscribe", set: "Loyalty points", failuresOnly: true, mention: here }],
    [`subscribe Loyalty points ${em}mention=@here`, { verb: "subscribe", set: "Loyalty points", failuresOnly: false, mention: here }],
    [`schedule Checkout flows daily 09:00 ${em}tz Europe/Paris`, { verb: "schedule", set: "Checkout flows", when: { kind: "daily", time: "09:00" }, timeZone: "Europe/Paris", timeZoneGiven: true }],
    [`schedule Checkout flows hourly ${en}tz=UTC`, { verb: "schedule", set: "Checkout flows", when: { kind: "hourly" }, timeZone: "UTC", timeZoneGiven: true }],
  ])("reads the dash before a flag in %s as --", (text, command) => {
    expect(parseCommand(text)).toEqual({ ok: true, command });
  });

  it("reads every flag any verb takes in its em-dash and en-dash forms", () => {
    const flags = Object.values(VERB_FLAGS).flatMap((spec) => Object.entries(spec));
    expect(flags.length).toBeGreaterThan(0);
    for (const [flag, kind] of flags) {
      for (const dash of [em, en, "--"]) {
        const words = readWords(`${dash}${flag}${kind === "string" ? " value" : ""}`) as Word[];
        expect(readOptions("verb", words, { [flag]: kind })).toEqual(new Map([[flag, kind === "string" ? "value" : true]]));
      }
    }
  });

  it("keeps a dash that stands apart, or inside a quoted name, as part of the name", () => {
    expect(parseCommand(`subscribe "Nightly ${em}full" ${em}failures-only`)).toEqual({ ok: true, command: { verb: "subscribe", set: `Nightly ${em}full`, failuresOnly: true } });
    expect(parseCommand(`run Checkout ${em} EU`)).toEqual({ ok: true, command: { verb: "run", set: `Checkout ${em} EU` } });
    expect(parseCommand(`run Checkout-${em}EU`)).toEqual({ ok: true, command: { verb: "run", set: `Checkout-${em}EU` } });
  });

  it("reads no-break spaces as spaces, inside a name and between it and a flag", () => {
    expect(parseCommand(`subscribe Loyalty${nbsp}points${nbsp}${em}failures-only`)).toEqual({ ok: true, command: { verb: "subscribe", set: "Loyalty points", failuresOnly: true } });
    expect(parseCommand(`run${nbsp}Checkout\u202fflows`)).toEqual({ ok: true, command: { verb: "run", set: "Checkout flows" } });
  });

  it("keeps curly quotes and Slack's &amp; working next to a dashed flag", () => {
    expect(parseCommand(`subscribe “Fees &amp; refunds” ${em}failures-only`)).toEqual({ ok: true, command: { verb: "subscribe", set: "Fees & refunds", failuresOnly: true } });
    expect(parseCommand(`list Fees &amp; refunds ${en}failed`)).toEqual({ ok: true, command: { verb: "list", set: "Fees & refunds", failedOnly: true } });
    expect(parseCommand(`subscribe “Checkout flows” ${em}mention &lt;!subteam^S0QA|@qa&gt;`)).toEqual({
      ok: true,
      command: { verb: "subscribe", set: "Checkout flows", failuresOnly: false, mention: { kind: "group", markup: "<!subteam^S0QA>", label: "@qa" } },
    });
  });

  it("still refuses a dashed flag the verb does not take, naming it as --", () => {
    const result = parseCommand(`run Checkout flows ${em}failed`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain("Unknown option --failed for run");
  });
});
