/**
 * `simwatch <verb>` from a terminal, as a child process in a folder of its own (so the
 * folder archive and its state are fresh): options are read by name, and a mistake is
 * answered before anything is done.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { USAGE } from "../../functions/core/commands/commands.js";
import { environmentWithoutSimwatch, startSimwatch } from "../support/simwatch-cli.js";
import { useTempFolders } from "../support/temp-folders.js";

const freshFolder = useTempFolders("simwatch-cli-");
let dir: string;
beforeAll(async () => {
  dir = await freshFolder();
});

/** `simwatch <args>` run to its end: exit code, stdout, and stdout with stderr interleaved. */
async function simwatch(args: readonly string[]): Promise<{ code: number | null; stdout: string; output: string }> {
  const run = startSimwatch(args, { env: environmentWithoutSimwatch(), cwd: dir });
  const { code } = await run.exit;
  return { code, stdout: run.stdout(), output: run.output() };
}

describe("simwatch <verb> --channel", () => {
  it("reads --channel=C1 and --channel C1 as the same channel, and no other", async () => {
    const subscribed = await simwatch(["subscribe", "Checkout flows", "--channel=C1"]);
    expect(subscribed.code).toBe(0);
    expect(subscribed.stdout).toContain("now hears about");

    const sameChannel = await simwatch(["subscriptions", "--channel", "C1"]);
    expect(sameChannel.stdout).toContain("Checkout flows");
    const otherChannel = await simwatch(["subscriptions", "--channel=C2"]);
    expect(otherChannel.stdout).toContain("not subscribed to any set");
  });

  it("refuses --channel followed by another option with a usage error, and does nothing", async () => {
    const result = await simwatch(["list", "--channel", "--failed"]);
    expect(result.code).toBe(2);
    expect(result.output).toContain("--channel needs a value, not the option --failed");
    expect(result.output).toContain(`simwatch ${USAGE.list}`);
    expect(result.stdout).toBe("");
  });

  it("still answers --help with the command's usage, whatever else is on the line", async () => {
    const result = await simwatch(["list", "--channel", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`simwatch ${USAGE.list}\n`);
  });
});
