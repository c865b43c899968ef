/**
 * `simwatch` as a user runs it: `node bin/simwatch.js <command>` in a child process (its own
 * process group, so a test can SIGKILL it like a crash), configured only through its
 * environment, from a folder without a .env.
 */
import { resolve } from "node:path";
import type { RunningSimulator } from "../../functions/local/simulator/index.js";
import { type GroupProcess, startGroupProcess } from "./processes.js";
import type { SlackStub } from "./slack-stub.js";

export const SIMWATCH_BIN = resolve(import.meta.dirname, "../../bin/simwatch.js");

/** This process's environment without anything that configures simwatch (or the test S3 server). */
export function environmentWithoutSimwatch(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(AMIGO_|SLACK_|ARCHIVE_|EVENT_BUS|S3_|AWS_|SIMWATCH_|STATE_|POLL_|PORT$)/.test(key)) env[key] = value;
  }
  return env;
}

export interface Wiring {
  sim: RunningSimulator;
  slack: SlackStub;
  /** SLACK_DEFAULT_CHANNEL. */
  channel: string;
  /** ARCHIVE_DIR: the folder archive and simwatch's state. */
  archiveDir: string;
}

/** The environment that points simwatch at the simulator, the Slack stand-in and a folder archive, with the in-process bus. */
export function simwatchEnv(wiring: Wiring, extra: Record<string, string> = {}): Record<string, string> {
  const { sim, slack } = wiring;
  return {
    ...environmentWithoutSimwatch(),
    AMIGO_API_URL: sim.url,
    AMIGO_ORG_ID: sim.orgId,
    AMIGO_API_KEY: sim.credentials.apiKey,
    AMIGO_API_KEY_ID: sim.credentials.apiKeyId,
    AMIGO_USER_ID: sim.credentials.userId,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slack.apiUrl,
    SLACK_DEFAULT_CHANNEL: wiring.channel,
    ARCHIVE_DIR: wiring.archiveDir,
    SIMWATCH_LOG_LEVEL: "warn",
    ...extra,
  };
}

/**
 * `simwatch <args>` from `cwd` (which must hold no .env: the CLI would read it); `nodeArgs` go
 * to node itself (e.g. --cpu-prof, which NODE_OPTIONS does not accept).
 */
export function startSimwatch(args: readonly string[], options: { env: Record<string, string>; cwd: string; nodeArgs?: readonly string[] }): GroupProcess {
  return startGroupProcess(process.execPath, [...(options.nodeArgs ?? []), SIMWATCH_BIN, ...args], { env: options.env, cwd: options.cwd });
}

/** The JSON line `simwatch poll` prints at the end; undefined if it printed none (it was killed, or crashed). */
export function pollResult(poll: GroupProcess): { ok: boolean; [field: string]: unknown } | undefined {
  const line = poll
    .stdout()
    .split("\n")
    .reverse()
    .find((candidate) => candidate.startsWith('{"ok":'));
  return line === undefined ? undefined : (JSON.parse(line) as { ok: boolean });
}

/** Resolves once `ready()` holds (checked every `everyMs`), or with false when `stop()` holds first or `timeoutMs` passes. */
export async function waitUntil(ready: () => boolean | Promise<boolean>, options: { timeoutMs: number; everyMs?: number; stop?: () => boolean }): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (await ready()) return true;
    if (options.stop?.() || Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 25));
  }
}
