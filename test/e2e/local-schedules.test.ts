/**
 * Schedules with `simwatch serve` in child processes, as a newcomer would have them: scheduled
 * with a signed slash command, the server stopped (SIGKILL) across a due time, restarted: the
 * missed time (less than an hour old) runs once at start, and a further kill and restart right
 * after does not run it again.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readdir } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FileSystemStateStore } from "../../functions/archive/fs-state-store.js";
import { listSchedules, type Schedule } from "../../functions/core/schedules.js";
import { stateKeys } from "../../functions/core/state-keys.js";
import { updateState } from "../../functions/core/state-update.js";
import { LOCAL_SIGNING_SECRET } from "../../functions/local/local-services.js";
import { signatureOf } from "../../functions/slack/verify.js";

const ROOT = resolve(import.meta.dirname, "../..");
const children: ChildProcess[] = [];

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

interface Serve {
  output: () => string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  kill(): Promise<void>;
}

async function serve(dir: string, port: number): Promise<Serve> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(AMIGO_|SLACK_|ARCHIVE_|EVENT_BUS|S3_|AWS_)/.test(key)) env[key] = value;
  }
  const child = spawn(process.execPath, [join(ROOT, "bin/simwatch.js"), "serve"], { cwd: dir, env: { ...env, PORT: String(port), POLL_INTERVAL_SECONDS: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const waitFor = async (pattern: RegExp, timeoutMs = 40_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(output)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} in:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await waitFor(/Schedules \(\/sim schedule\): looked at/);
  return {
    output: () => output,
    waitFor,
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

function slash(port: number, text: string): Promise<Response> {
  const body = new URLSearchParams({ command: "/sim", text, user_id: "UE2E", channel_id: "simwatch-local", team_id: "T1", trigger_id: `t-${Math.random()}`, response_url: "terminal:" }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  return fetch(`http://127.0.0.1:${port}/slack/commands`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": timestamp, "x-slack-signature": signatureOf(LOCAL_SIGNING_SECRET, timestamp, body) },
    body,
  });
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

describe("schedules with simwatch serve", () => {
  it("runs a time missed while serve was down once at the next start, and not again after another restart", async () => {
    const dir = await mkdtemp(join(tmpdir(), "simwatch-e2e-schedules-"));
    const port = await freePort();
    // A daily time three minutes ago: missed, and less than an hour old.
    const due = new Date(Date.now() - 3 * 60_000);
    const hhmm = `${String(due.getUTCHours()).padStart(2, "0")}:${String(due.getUTCMinutes()).padStart(2, "0")}`;

    const first = await serve(dir, port);
    const answer = await slash(port, `schedule Onboarding happy path daily ${hhmm}`);
    expect(answer.status).toBe(200);
    await first.waitFor(new RegExp(`Onboarding happy path now runs every day at ${hhmm}, UTC time`));
    await first.kill();

    // As if it had been scheduled half an hour ago, before the time it was due at.
    const state = new FileSystemStateStore({ root: join(dir, "archive") });
    const [schedule] = await listSchedules(state);
    expect(schedule).toBeDefined();
    await updateState<Schedule>(state, stateKeys.schedule(schedule!.setId, schedule!.channelId), (s) => s && { ...s, savedAt: new Date(Date.now() - 30 * 60_000).toISOString() });

    const second = await serve(dir, port);
    await second.waitFor(/ONBOARDING HAPPY PATH[\s\S]*Started by: @UE2E's schedule \(every day at/);
    await new Promise((r) => setTimeout(r, 1_000));
    await second.kill();

    const third = await serve(dir, port);
    await new Promise((r) => setTimeout(r, 3_000));
    await third.kill();
    expect(third.output()).not.toContain("ONBOARDING HAPPY PATH");
    const records = (await readdir(join(dir, "archive", "_simwatch", "commands"))).filter((name) => name.startsWith("schedule."));
    expect(records).toHaveLength(1);
  });
});
