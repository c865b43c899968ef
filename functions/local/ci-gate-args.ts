/**
 * The CI gate's command lines: `simwatch run <set> [<set> ...] --wait [--timeout 45m]
 * [--junit FILE] [--json] [--cancel-on-timeout] [--channel C123]` and `simwatch wait <run-id>
 * ...` with the same options (but --wait and --channel). The options are declared with the
 * others in cli-args.ts; anything wrong is a usage error (exit 2) before anything runs.
 */
import { parseDuration } from "../core/ci/gate.js";
import { isObjectId } from "../core/model/object-id.js";
import type { OptionValues } from "./cli-args.js";

export const DEFAULT_TIMEOUT = "45m";

export interface GateArgs {
  mode: "run" | "wait";
  /** Set names or ids (run), or run ids (wait). */
  targets: string[];
  timeoutMs: number;
  junitFile?: string;
  json: boolean;
  cancelOnTimeout: boolean;
  channel?: string;
}

export const GATE_USAGE = `simwatch run <set> [<set> ...] --wait [--timeout 45m] [--junit FILE] [--json] [--cancel-on-timeout] [--channel C123]
simwatch wait <run-id> [<run-id> ...] [--timeout 45m] [--junit FILE] [--json] [--cancel-on-timeout]
  Starts the runs (run) or takes runs already started (wait), prints progress and each summary, and exits
  0 when every run passed, 1 when any failed, errored or was cancelled, 2 on a usage, configuration or
  Amigo error, 3 when time ran out (the runs are left running unless --cancel-on-timeout).
  --timeout: 90s, 45m, 2h or 1h30m (default ${DEFAULT_TIMEOUT}). --junit FILE: a JUnit XML report (a testsuite per
  run, a testcase per unit test). --json: one JSON object per run on stdout (progress goes to stderr).
  A set named with spaces is one shell word: "Checkout flows". With SLACK_BOT_TOKEN, runs started here are
  announced in SLACK_DEFAULT_CHANNEL (or --channel) like /sim run.`;

export type GateArgsResult = { ok: true; args: GateArgs } | { ok: false; error: string };

const GATE_FLAGS = ["timeout", "junit", "json", "cancel-on-timeout"] as const;

/** A gate option given to `run` without --wait: a mistake worth saying, not something to ignore. */
export function gateOptionWithoutWait(values: OptionValues): string | undefined {
  const given = GATE_FLAGS.find((flag) => values[flag] !== undefined);
  return given && values.wait !== true ? `--${given} goes with --wait (the CI gate): simwatch run <set> --wait --${given} ...` : undefined;
}

/** The gate's arguments from the command line as cli-args.ts read it (its options declared there). */
export function gateArgs(mode: "run" | "wait", values: OptionValues, words: readonly string[]): GateArgsResult {
  const targets = words.map((word) => word.trim()).filter((word) => word !== "");
  if (targets.length === 0) return { ok: false, error: mode === "run" ? "run --wait needs at least one set." : "wait needs at least one run id." };
  if (mode === "wait") {
    const bad = targets.find((id) => !isObjectId(id));
    if (bad) return { ok: false, error: `"${bad}" is not a run id (24 lower-case hex digits).` };
  }
  const duplicate = targets.find((target, index) => targets.findIndex((other) => other.toLowerCase() === target.toLowerCase()) !== index);
  if (duplicate) return { ok: false, error: `"${duplicate}" is named twice.` };
  const timeoutText = typeof values.timeout === "string" ? values.timeout : DEFAULT_TIMEOUT;
  const timeoutMs = parseDuration(timeoutText);
  if (timeoutMs === undefined) return { ok: false, error: `--timeout ${timeoutText}: give a duration such as 90s, 45m, 2h or 1h30m.` };
  const junitFile = typeof values.junit === "string" ? values.junit.trim() : undefined;
  if (junitFile === "") return { ok: false, error: "--junit needs a file name." };
  const channel = typeof values.channel === "string" ? values.channel : undefined;
  return {
    ok: true,
    args: {
      mode,
      targets,
      timeoutMs,
      json: values.json === true,
      cancelOnTimeout: values["cancel-on-timeout"] === true,
      ...(junitFile ? { junitFile } : {}),
      ...(channel ? { channel } : {}),
    },
  };
}
