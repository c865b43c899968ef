/**
 * Two `npm start`s in one folder, as a newcomer does: each `simwatch serve` brings up a fresh
 * embedded simulator (no earlier runs), while the folder's state remembers the first demo run.
 * The second demo run's summary must read "what changed" from the same history as its trend:
 * there is no earlier run in that simulator, so neither says there was one.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePorts } from "../support/processes.js";
import { environmentWithoutSimwatch, SIMWATCH_BIN } from "../support/simwatch-cli.js";

let child: ChildProcess | undefined;

afterAll(() => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
});

/** `simwatch serve` in `dir` until its demo run is archived, then SIGINT; what it printed. */
async function serveDemoOnce(dir: string): Promise<string> {
  const [port] = (await freePorts(1)) as [number];
  let output = "";
  child = spawn(process.execPath, [SIMWATCH_BIN, "serve"], { cwd: dir, env: { ...environmentWithoutSimwatch(), PORT: String(port), POLL_INTERVAL_SECONDS: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exit = new Promise<number | null>((done) => child?.once("exit", (code) => done(code)));
  const deadline = Date.now() + 60_000;
  while (!/Artifacts archived at/.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no archived demo run; serve printed:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGINT");
  expect(await exit).toBe(0);
  return output;
}

/** The folders in `path` (the archive's index pages sit beside them). */
async function folders(path: string): Promise<string[]> {
  return (await readdir(path, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
}

async function summaries(dir: string): Promise<string[]> {
  const runs = join(dir, "archive", "runs");
  const texts: string[] = [];
  for (const set of await folders(runs)) {
    for (const run of await folders(join(runs, set))) texts.push(await readFile(join(runs, set, run, "summary.md"), "utf8"));
  }
  return texts;
}

describe("a second npm start in the same folder, with a fresh simulator", () => {
  it("compares the demo run with nothing, as its trend does, not with the first start's run", async () => {
    const dir = await mkdtemp(join(tmpdir(), "simwatch-baseline-"));
    const first = await serveDemoOnce(dir);
    expect(first).toContain("no earlier finished run to compare with");
    const second = await serveDemoOnce(dir);
    expect(second).toContain("Status: failed");
    expect(second).toContain("no earlier finished run to compare with");
    expect(second).not.toContain("Since the previous run");
    const [, latest] = await summaries(dir);
    expect(latest).toContain("no earlier finished run to compare with");
    expect(latest).not.toContain("Since the previous run");
  }, 150_000);
});
