import { describe, expect, it } from "vitest";
import { CHANGING_VERBS } from "../../../../functions/core/commands/access.js";
import { helpText, parseCommand } from "../../../../functions/core/commands/commands.js";

describe("/sim report", () => {
  it("reads nothing, a set name as typed, or a run id", () => {
    expect(parseCommand("report")).toEqual({ ok: true, command: { verb: "report" } });
    expect(parseCommand("report Checkout flows")).toEqual({ ok: true, command: { verb: "report", target: "Checkout flows" } });
    expect(parseCommand("REPORT 6b0b18a44226fdec9400003a")).toEqual({ ok: true, command: { verb: "report", target: "6b0b18a44226fdec9400003a" } });
  });

  it("is in the usage help, changes nothing, and takes no flags", () => {
    expect(helpText()).toContain("/sim report [<set>|<run>]");
    expect(CHANGING_VERBS.has("report")).toBe(false);
    const flagged = parseCommand("report Checkout flows --failed");
    expect(flagged.ok).toBe(false);
    expect(!flagged.ok && flagged.usage).toContain("report [<set>|<run>]");
  });
});
