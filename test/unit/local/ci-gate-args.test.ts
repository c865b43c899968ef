import { describe, expect, it } from "vitest";
import { gateArgs, gateOptionWithoutWait } from "../../../functions/local/ci-gate-args.js";
import { parseCommandLine } from "../../../functions/local/cli-args.js";

/** `simwatch <mode> <argv>` as the CLI reads it, then the gate's arguments. */
function read(mode: "run" | "wait", argv: string[]) {
  const line = parseCommandLine(mode, argv);
  if (!line.ok) return { ok: false as const, error: line.error };
  return gateArgs(mode, line.values, line.words);
}

describe("the CI gate's command line", () => {
  it("takes sets (names with spaces are one shell word) and the gate's options, with a 45-minute timeout by default", () => {
    expect(read("run", ["Checkout flows", "Billing disputes", "--wait"])).toEqual({
      ok: true,
      args: { mode: "run", targets: ["Checkout flows", "Billing disputes"], timeoutMs: 45 * 60_000, json: false, cancelOnTimeout: false },
    });
    expect(read("run", ["Checkout flows", "--wait", "--timeout=2h", "--junit", "out/report.xml", "--json", "--cancel-on-timeout", "--channel", "C0CI"])).toMatchObject({
      ok: true,
      args: { timeoutMs: 2 * 3_600_000, junitFile: "out/report.xml", json: true, cancelOnTimeout: true, channel: "C0CI" },
    });
    expect(read("wait", ["0123456789abcdef01234567", "--timeout", "90s"])).toMatchObject({ ok: true, args: { mode: "wait", targets: ["0123456789abcdef01234567"], timeoutMs: 90_000 } });
  });

  it.each([
    ["run", ["--wait"], "needs at least one set"],
    ["run", ["Checkout", "checkout", "--wait"], '"checkout" is named twice'],
    ["run", ["Checkout", "--wait", "--timeout", "soon"], "--timeout soon: give a duration"],
    ["run", ["Checkout", "--wait", "--junit"], "--junit needs a value"],
    ["run", ["Checkout", "--wait", "--junit", "--json"], "--junit needs a value, not the option --json"],
    ["run", ["Checkout", "--wait", "--verbose"], "Unknown option --verbose"],
    ["wait", ["abc"], '"abc" is not a run id'],
    ["wait", ["0123456789abcdef01234567", "--channel", "C0CI"], "Unknown option --channel"],
  ] as const)("refuses %s %j", (mode, argv, message) => {
    const result = read(mode, [...argv]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(message);
  });

  it("says that a gate option without --wait is a mistake, rather than ignore it", () => {
    const line = parseCommandLine("run", ["Checkout", "--json"]);
    expect(line.ok && gateOptionWithoutWait(line.values)).toContain("--json goes with --wait");
    const plain = parseCommandLine("run", ["Checkout"]);
    expect(plain.ok && gateOptionWithoutWait(plain.values)).toBeUndefined();
  });
});
