import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../../functions/local/cli-args.js";

describe("the simwatch command line", () => {
  it("reads --channel=C1 and --channel C1 alike", () => {
    expect(parseCommandLine("list", ["--channel=C1"])).toEqual({ ok: true, values: { channel: "C1" }, words: [] });
    expect(parseCommandLine("list", ["--channel", "C1"])).toEqual({ ok: true, values: { channel: "C1" }, words: [] });
  });

  it("refuses --channel followed by another option instead of taking the option as the channel", () => {
    const line = parseCommandLine("list", ["--channel", "--failed"]);
    expect(line).toEqual({ ok: false, error: "--channel needs a value, not the option --failed: --channel <value> or --channel=<value>." });
  });

  it("refuses an option that needs a value and is given none", () => {
    expect(parseCommandLine("slash", ["list", "--url"])).toMatchObject({ ok: false, error: expect.stringContaining("--url needs a value") });
  });

  it("takes a value that starts with a dash only as --name=value", () => {
    expect(parseCommandLine("slash", ["--user=-odd", "help"])).toEqual({ ok: true, values: { user: "-odd" }, words: ["help"] });
  });

  it("names an unknown option, long or short, and the command it is not an option of", () => {
    expect(parseCommandLine("status", ["--everything"])).toEqual({ ok: false, error: "Unknown option --everything for status." });
    expect(parseCommandLine("serve", ["-p", "80"])).toEqual({ ok: false, error: "Unknown option -p for serve." });
  });

  it("refuses a value given to a flag, and words given to a command that takes none", () => {
    expect(parseCommandLine("list", ["--failed=yes"])).toEqual({ ok: false, error: "--failed takes no value." });
    expect(parseCommandLine("poll", ["now"])).toEqual({ ok: false, error: 'poll takes no arguments; got "now".' });
  });

  it("hands a verb's own flags on to the slash command, in place, and keeps the terminal's", () => {
    expect(parseCommandLine("subscribe", ["Checkout flows", "--mention=@here", "--channel", "C9", "--failures-only"])).toEqual({
      ok: true,
      values: { channel: "C9" },
      words: ["Checkout flows", "--mention", "@here", "--failures-only"],
    });
  });

  it("keeps words after -- as words", () => {
    expect(parseCommandLine("run", ["--", "--odd set"])).toEqual({ ok: true, values: {}, words: ["--odd set"] });
  });
});
