/**
 * The CI gate as CI runs it: `simwatch run ... --wait` and `simwatch wait ...` as child
 * processes (bin/simwatch.js), against the simulator on loopback in real time, judged by their
 * exit codes (0 passed, 1 failed, 2 usage/configuration/Amigo error, 3 timeout) and their files.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { junitSchemaErrors, suitesOf } from "../support/junit.js";
import { useSimulator } from "../support/simulator.js";
import { useTempFolders } from "../support/temp-folders.js";
import { environmentWithoutSimwatch, startSimwatch } from "../support/simwatch-cli.js";

const sim = useSimulator({ clock: "real", startTime: new Date() });
const freshFolder = useTempFolders("simwatch-gate-cli-");
let dir: string;

beforeAll(() => {
  for (const set of sim.control.sets()) sim.control.setOutcome(set.name, { durationMs: 1_500 });
});
beforeEach(async () => {
  dir = await freshFolder();
});

/** Runs `simwatch <args>` with only the given configuration (nothing from this machine's environment). */
async function simwatch(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; output: string }> {
  const child = startSimwatch(args, { env: { ...environmentWithoutSimwatch(), ARCHIVE_DIR: join(dir, "archive"), ...env }, cwd: dir });
  const { code } = await child.exit;
  return { code, stdout: child.stdout(), output: child.output() };
}

const amigo = () => ({
  AMIGO_API_URL: sim.url,
  AMIGO_ORG_ID: sim.orgId,
  AMIGO_API_KEY: sim.credentials.apiKey,
  AMIGO_API_KEY_ID: sim.credentials.apiKeyId,
  AMIGO_USER_ID: sim.credentials.userId,
});

describe("simwatch run --wait / simwatch wait, as CI runs them", () => {
  it("exits 0 for a passing set and writes a JUnit report that validates", async () => {
    const { code, stdout } = await simwatch(["run", "Onboarding happy path", "--wait", "--junit", "report.xml"], amigo());
    expect(code, stdout).toBe(0);
    expect(stdout).toContain("# Onboarding happy path: passed");
    const xml = await readFile(join(dir, "report.xml"), "utf8");
    expect(await junitSchemaErrors(xml)).toEqual([]);
    expect(suitesOf(xml)).toEqual([expect.objectContaining({ testcases: 2, failures: 0, errors: 0 })]);
  });

  it("exits 1 for a failing set, with one JSON object per run on stdout and the progress on stderr", async () => {
    const { code, stdout, output } = await simwatch(["run", "Billing disputes", "--wait", "--json"], amigo());
    expect(code, output).toBe(1);
    const lines = stdout.trim().split("\n").map((line) => JSON.parse(line) as { set: string; verdict: string; failingUnitTests: unknown[] });
    expect(lines).toEqual([expect.objectContaining({ set: "Billing disputes", verdict: "failed" })]);
    expect(lines[0]!.failingUnitTests.length).toBeGreaterThan(0);
    expect(stdout).not.toContain("# Billing disputes: failed");
    expect(output).toContain("# Billing disputes: failed");
  });

  it("exits 3 when time runs out, leaving the run running", async () => {
    sim.control.setOutcome("Checkout flows", { durationMs: 60 * 60_000 });
    const { code, stdout } = await simwatch(["run", "Checkout flows", "--wait", "--timeout", "3s"], amigo());
    expect(code, stdout).toBe(3);
    const runId = /Started run ([0-9a-f]{24})/.exec(stdout)?.[1];
    expect(sim.control.getRun(runId!)?.is_completed).toBe(false);

    // `wait` on the run already started: the same gate.
    const waited = await simwatch(["wait", runId!, "--timeout", "2s", "--cancel-on-timeout"], amigo());
    expect(waited.code).toBe(3);
    expect(sim.control.getRun(runId!)?.is_completed).toBe(true);
  });

  it("exits 2 on a usage mistake, a misconfiguration, or no Amigo at all, before starting anything", async () => {
    const before = sim.control.runIds().length;
    const usage = await simwatch(["run", "Onboarding happy path", "--wait", "--timeout", "soon"], amigo());
    expect(usage.code).toBe(2);
    expect(usage.output).toContain("--timeout soon: give a duration");
    const misconfigured = await simwatch(["run", "Onboarding happy path", "--wait"], { AMIGO_API_URL: sim.url, AMIGO_ORG_ID: sim.orgId });
    expect(misconfigured.code).toBe(2);
    expect(misconfigured.output).toContain("AMIGO_API_KEY");
    const nothing = await simwatch(["wait", "0123456789abcdef01234567"], {});
    expect(nothing.code).toBe(2);
    expect(nothing.output).toContain("No Amigo to ask");
    const refused = await simwatch(["run", "Onboarding happy path", "--wait"], { ...amigo(), AMIGO_API_KEY: "not-the-key" });
    expect(refused.code).toBe(2);
    expect(refused.output).not.toContain("not-the-key");
    expect(sim.control.runIds().length).toBe(before);
  });
});
