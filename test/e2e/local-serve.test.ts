/**
 * The newcomer's path, end to end: `simwatch serve` in a child process with no
 * configuration at all, driven over HTTP like Slack would, watched through its terminal
 * output and its archive folder, then stopped with SIGINT.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_SIGNING_SECRET } from "../../functions/local/local-services.js";
import { signatureOf } from "../../functions/slack/verify.js";
import { freePorts } from "../support/processes.js";
import { environmentWithoutSimwatch, SIMWATCH_BIN } from "../support/simwatch-cli.js";

let child: ChildProcess;
let output = "";
let dir: string;
let port: number;
let exit: Promise<number | null>;

async function waitFor(pattern: RegExp, timeoutMs = 40_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = output.match(pattern);
    if (match) return match;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${pattern} in:\n${output}`);
}

function slash(text: string, secret = LOCAL_SIGNING_SECRET): Promise<Response> {
  const body = new URLSearchParams({ command: "/sim", text, user_id: "UE2E", channel_id: "simwatch-local", team_id: "T1", trigger_id: `t-${Math.random()}` }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  return fetch(`http://127.0.0.1:${port}/slack/commands`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": timestamp, "x-slack-signature": signatureOf(secret, timestamp, body) },
    body,
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "simwatch-e2e-"));
  [port] = (await freePorts(1)) as [number];
  child = spawn(process.execPath, [SIMWATCH_BIN, "serve"], {
    cwd: dir,
    env: { ...environmentWithoutSimwatch(), PORT: String(port), POLL_INTERVAL_SECONDS: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  exit = new Promise((done) => child.once("exit", (code) => done(code)));
  await waitFor(/listening on http/);
});

afterAll(() => {
  if (child.exitCode === null) child.kill("SIGKILL");
});

describe("simwatch serve with no configuration", () => {
  it("announces the embedded simulator, the folder archive and the terminal for Slack", () => {
    expect(output).toContain("EMBEDDED SIMULATOR");
    expect(output).toContain(join(dir, "archive"));
    expect(output).toContain("Slack: this terminal");
  });

  it("shows the demo run go from started to finished, summarised and archived", async () => {
    await waitFor(/BILLING DISPUTES[\s\S]*Status: running/);
    await waitFor(/updated in place[\s\S]*Status: failed[\s\S]*Unit tests passed: \d+ of \d+/);
    await waitFor(/Artifacts archived at/);
    const setDirs = await readdir(join(dir, "archive", "runs"));
    expect(setDirs).toHaveLength(1);
    const runDirs = await readdir(join(dir, "archive", "runs", setDirs[0] as string));
    const files = await readdir(join(dir, "archive", "runs", setDirs[0] as string, runDirs[0] as string));
    expect(files.sort()).toEqual(["artifacts.jsonl", "run.json", "summary.md"]);
    const summary = await readFile(join(dir, "archive", "runs", setDirs[0] as string, runDirs[0] as string, "summary.md"), "utf8");
    expect(summary).toContain("# Billing disputes: failed");
  });

  it("answers signed slash commands, refuses forged ones, and gives usage help for typos", async () => {
    const forged = await slash("run \"Checkout flows\"", "not-the-secret");
    expect(forged.status).toBe(401);

    const typo = await slash("lsit");
    expect(typo.status).toBe(200);
    expect(JSON.stringify(await typo.json())).toContain("Did you mean `list`?");

    const run = await slash('run "Checkout flows"');
    expect(run.status).toBe(200);
    expect(((await run.json()) as { response_type?: string }).response_type).toBe("ephemeral");
    await waitFor(/CHECKOUT FLOWS[\s\S]*Status: running/);
    expect(output).not.toMatch(/not-the-secret/);
  });

  it("stops cleanly on SIGINT, leaving no partial files", async () => {
    child.kill("SIGINT");
    expect(await exit).toBe(0);
    expect(output).toContain("simwatch stopped cleanly.");
    expect(existsSync(join(dir, "archive", "_simwatch", "local-server.json"))).toBe(false);
    const leftovers: string[] = [];
    const walk = async (folder: string) => {
      for (const entry of await readdir(folder, { withFileTypes: true })) {
        if (entry.isDirectory()) await walk(join(folder, entry.name));
        else if (/\.tmp|\.partial|~$/.test(entry.name)) leftovers.push(entry.name);
      }
    };
    await walk(join(dir, "archive", "runs"));
    expect(leftovers).toEqual([]);
  });
});
