/**
 * Schedules with `simwatch serve` in child processes, as a newcomer would have them: scheduled
 * with a signed slash command, the server stopped (SIGKILL) across a due time, restarted: the
 * missed time (less than an hour old) runs once at start, and a further kill and restart right
 * after does not run it again.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FileSystemStateStore } from "../../functions/archive/fs-state-store.js";
import { listSchedules } from "../../functions/core/schedules/schedules.js";
import type { Schedule } from "../../functions/core/schedules/schedule.js";
import { stateKeys } from "../../functions/core/idempotency/state-keys.js";
import { updateState } from "../../functions/core/idempotency/state-update.js";
import { LOCAL_SIGNING_SECRET } from "../../functions/local/local-services.js";
import { signatureOf } from "../../functions/slack/verify.js";
import { freePorts, type GroupProcess } from "../support/processes.js";
import { useTempFolders } from "../support/temp-folders.js";
import { environmentWithoutSimwatch, startSimwatch, waitUntil } from "../support/simwatch-cli.js";

const running: GroupProcess[] = [];
const freshFolder = useTempFolders("simwatch-e2e-schedules-");

/** `simwatch serve` with nothing configured, in `dir`; resolves once it has looked at the schedules. */
async function serve(dir: string, port: number): Promise<GroupProcess> {
  const child = startSimwatch(["serve"], { env: { ...environmentWithoutSimwatch(), PORT: String(port), POLL_INTERVAL_SECONDS: "1" }, cwd: dir });
  running.push(child);
  await shows(child, /Schedules \(\/sim schedule\): looked at/);
  return child;
}

async function shows(child: GroupProcess, pattern: RegExp): Promise<void> {
  if (!(await waitUntil(() => pattern.test(child.output()), { timeoutMs: 40_000, everyMs: 100 }))) throw new Error(`no ${pattern} in:\n${child.output()}`);
}

/** A slash command as Slack would send it; the answer is printed in serve's terminal (the loopback response_url goes nowhere). */
function slash(port: number, text: string): Promise<Response> {
  const body = new URLSearchParams({ command: "/sim", text, user_id: "UE2E", channel_id: "simwatch-local", team_id: "T1", trigger_id: `t-${Math.random()}`, response_url: "http://127.0.0.1:9/nobody-listens" }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  return fetch(`http://127.0.0.1:${port}/slack/commands`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": timestamp, "x-slack-signature": signatureOf(LOCAL_SIGNING_SECRET, timestamp, body) },
    body,
  });
}

afterEach(async () => {
  for (const child of running.splice(0)) await child.kill();
});

describe("schedules with simwatch serve", () => {
  it("runs a time missed while serve was down once at the next start, and not again after another restart", async () => {
    const dir = await freshFolder();
    const [port] = await freePorts(1);
    // A daily time three minutes ago: missed, and less than an hour old.
    const due = new Date(Date.now() - 3 * 60_000);
    const hhmm = `${String(due.getUTCHours()).padStart(2, "0")}:${String(due.getUTCMinutes()).padStart(2, "0")}`;

    const first = await serve(dir, port!);
    const answer = await slash(port!, `schedule Onboarding happy path daily ${hhmm}`);
    expect(answer.status).toBe(200);
    await shows(first, new RegExp(`Onboarding happy path now runs every day at ${hhmm}, UTC time`));
    await first.kill();

    // As if it had been scheduled half an hour ago, before the time it was due at.
    const state = new FileSystemStateStore({ root: join(dir, "archive") });
    const [schedule] = await listSchedules(state);
    expect(schedule).toBeDefined();
    await updateState<Schedule>(state, stateKeys.schedule(schedule!.setId, schedule!.channelId), (s) => s && { ...s, savedAt: new Date(Date.now() - 30 * 60_000).toISOString() });

    const second = await serve(dir, port!);
    await shows(second, /ONBOARDING HAPPY PATH[\s\S]*Started by: @UE2E's schedule \(every day at/);
    await new Promise((r) => setTimeout(r, 1_000));
    await second.kill();

    const third = await serve(dir, port!);
    await new Promise((r) => setTimeout(r, 3_000));
    await third.kill();
    expect(third.output()).not.toContain("ONBOARDING HAPPY PATH");
    const records = (await readdir(join(dir, "archive", "_simwatch", "commands"))).filter((name) => name.startsWith("schedule."));
    expect(records).toHaveLength(1);
  });
});
