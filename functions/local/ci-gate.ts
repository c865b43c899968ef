/**
 * The CI gate: `simwatch run <set>... --wait` starts the runs through the command worker (the
 * same `/sim run`, announced in Slack when Slack is configured), `simwatch wait <run>...` takes
 * runs already started; then both look at their own runs by id only (one getRuns call per 50
 * runs per look, 2 s apart at first and backing off to 30 s, the client keeping within Amigo's
 * rate limits), print progress and each summary, write the JUnit report and exit as
 * core/ci/gate.ts decides.
 */
import { writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { amigoUnavailable } from "../core/commands/command-worker.js";
import type { ChatMessage } from "../core/chat.js";
import { AmigoApiError } from "../core/model/amigo-errors.js";
import type { Run } from "../core/model/amigo-model.js";
import { event } from "../core/events.js";
import { EXIT, gateExitCode, gateJson, nextLookMs, unitTestsOf } from "../core/ci/gate.js";
import { type GateRun, junitXml } from "../core/ci/junit.js";
import { errorFields } from "../core/log.js";
import { lookUpNames, summarizeRuns } from "../core/summary/run-summaries.js";
import { summaryMarkdown } from "../core/summary/summary-markdown.js";
import { summarizeRun } from "../core/summary/summary.js";
import { resolveSet } from "../core/commands/verbs/set-lookup.js";
import { renderMessage } from "../slack/blocks.js";
import { messageToPlain } from "../slack/plain-text.js";
import { type GateArgs, GATE_USAGE, gateArgs } from "./ci-gate-args.js";
import type { OptionValues } from "./cli-args.js";
import { type LocalServices, localServices, newRequestId, readLocalServerInfo, terminalConfig, terminalUser } from "./local-services.js";
import { amigoCredentials, type Config } from "../core/config.js";
import type { Logger } from "../core/log.js";

export interface GateDeps {
  services: LocalServices;
  /** Where runs started by `run --wait` are announced (SLACK_DEFAULT_CHANNEL or --channel); none = not announced. */
  announceIn?: string;
  userId: string;
  /** Lines for a person: stdout, or stderr with --json. */
  say(line: string): void;
  /** The JSON lines (--json): stdout. */
  print(line: string): void;
  lookBounds?: { firstMs: number; maxMs: number };
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface Tracked {
  run: Run;
  setName: string;
  outcome?: GateRun;
}

class GateStop extends Error {}

const plain = (message: ChatMessage) => messageToPlain(renderMessage(message));

async function startRuns(deps: GateDeps, targets: readonly string[]): Promise<Tracked[]> {
  const { services } = deps;
  const sets = [];
  for (const target of targets) {
    const lookup = await resolveSet(services.amigo, target);
    if (!lookup.ok) throw new GateStop(plain(lookup.reply));
    sets.push(lookup.set);
  }
  const started: Tracked[] = [];
  for (const set of sets) {
    const outcome = await services.pipeline.command({
      command: { verb: "run", set: set.id },
      text: `run ${set.name}`,
      userId: deps.userId,
      channelId: deps.announceIn ?? "simwatch-ci",
      requestId: newRequestId(),
    });
    const runId = outcome.status === "done" ? outcome.runId : undefined;
    if (!runId) {
      const left = started.map((t) => `${t.run.id} (${t.setName})`).join(", ");
      throw new GateStop(`${outcome.status === "done" ? plain(outcome.reply) : "The run was not started."}${left ? `\nStarted and left running: ${left}.` : ""}`);
    }
    deps.say(`Started run ${runId} of ${set.name}${deps.announceIn ? `, announced in ${deps.announceIn}` : ""}.`);
    const [run] = await services.amigo.getRuns([runId]);
    if (!run) throw new GateStop(`Amigo does not show the run ${runId} it just created.`);
    started.push({ run, setName: set.name });
  }
  return started;
}

async function existingRuns(deps: GateDeps, ids: readonly string[]): Promise<Tracked[]> {
  const runs = await deps.services.amigo.getRuns(ids);
  const unknown = ids.filter((id) => !runs.some((run) => run.id === id));
  if (unknown.length > 0) throw new GateStop(`Amigo does not know the run${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}.`);
  const names = await lookUpNames(deps.services.amigo, runs);
  return ids.map((id) => {
    const run = runs.find((r) => r.id === id) as Run;
    return { run, setName: names.sets.get(run.simulation_unit_test_set_id) ?? run.simulation_unit_test_set_id };
  });
}

/** How far a running run is ("2 of 3 unit tests done"), to print when it changes. */
function progressOf(tracked: Tracked): string {
  const counts = summarizeRun(tracked.run, { setName: tracked.setName }).unitTests;
  return counts ? `${counts.total - (counts.pending ?? 0)} of ${counts.total} unit tests done` : "running";
}

/** The finished runs' outcomes: summarised, printed, and (with Slack) their message brought up to date. */
async function finish(deps: GateDeps, finished: Tracked[], now: number): Promise<void> {
  const { services } = deps;
  const at = new Date(now).toISOString();
  const runs = finished.map((t) => t.run);
  const names = await lookUpNames(services.amigo, runs);
  const summaries = await summarizeRuns(services.amigo, services.state, runs, { names, finishedAt: new Map(runs.map((r) => [r.id, at])), log: services.logger });
  for (const [index, tracked] of finished.entries()) {
    const summary = summaries[index] as typeof summaries[number];
    tracked.outcome = { runId: tracked.run.id, setId: summary.setId, setName: summary.setName, verdict: summary.verdict, summary, unitTests: unitTestsOf(tracked.run, names.unitTests), timedOut: false, seconds: summary.durationSeconds ?? 0 };
    deps.say(summaryMarkdown(summary).trimEnd());
    deps.print(JSON.stringify(gateJson(tracked.outcome)));
    if (deps.announceIn) {
      await services.pipeline
        .notify(event("Run Finished", { runId: summary.runId, setId: summary.setId, setName: summary.setName, verdict: summary.verdict, summary }))
        .catch((error: unknown) => services.logger.warn("gate.notify_failed", { runId: summary.runId, ...errorFields(error) }));
    }
  }
}

/** Looks at the unfinished runs until every one has finished or the deadline passes. */
async function waitForRuns(deps: GateDeps, tracked: Tracked[], deadline: number): Promise<void> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let waitMs: number | undefined;
  const lastProgress = new Map<string, string>();
  for (;;) {
    const open = tracked.filter((t) => !t.outcome);
    const justFinished = open.filter((t) => t.run.is_completed);
    if (justFinished.length > 0) await finish(deps, justFinished, now());
    const running = tracked.filter((t) => !t.outcome);
    if (running.length === 0 || now() >= deadline) return;
    for (const t of running) {
      const progress = progressOf(t);
      if (lastProgress.get(t.run.id) === progress) continue;
      lastProgress.set(t.run.id, progress);
      deps.say(`… ${t.setName} ${t.run.id}: ${progress}, ${Math.round((now() - Date.parse(t.run.created_at)) / 1000)} s since it started`);
    }
    waitMs = nextLookMs(waitMs, deps.lookBounds);
    await sleep(Math.max(0, Math.min(waitMs, deadline - now())));
    try {
      const fresh = await deps.services.amigo.getRuns(running.map((t) => t.run.id));
      for (const t of running) t.run = fresh.find((r) => r.id === t.run.id) ?? t.run;
    } catch (error) {
      if (!amigoUnavailable(error)) throw error;
      deps.say(`Amigo is unavailable right now (${error instanceof Error ? error.message : String(error)}); looking again shortly.`);
    }
  }
}

async function timeOut(deps: GateDeps, args: GateArgs, unfinished: Tracked[], now: number): Promise<void> {
  for (const tracked of unfinished) {
    const summary = summarizeRun(tracked.run, { setName: tracked.setName });
    const seconds = Math.round((now - Date.parse(tracked.run.created_at)) / 1000);
    tracked.outcome = { runId: tracked.run.id, setId: summary.setId, setName: tracked.setName, verdict: summary.verdict, summary, unitTests: unitTestsOf(tracked.run, new Map()), timedOut: true, seconds };
    deps.print(JSON.stringify(gateJson(tracked.outcome)));
    if (!args.cancelOnTimeout) {
      deps.say(`Time ran out: ${tracked.setName} ${tracked.run.id} is still running and is left running (--cancel-on-timeout cancels it).`);
      continue;
    }
    const cancel = await deps.services.pipeline.command({ command: { verb: "cancel", runId: tracked.run.id }, text: `cancel ${tracked.run.id}`, userId: deps.userId, channelId: deps.announceIn ?? "simwatch-ci", requestId: newRequestId() });
    deps.say(`Time ran out: ${tracked.setName} ${tracked.run.id}: ${cancel.status === "done" ? plain(cancel.reply) : "cancel already asked for."}`);
  }
}

export async function runGate(args: GateArgs, deps: GateDeps): Promise<number> {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const deadline = startedAt + args.timeoutMs;
  let tracked: Tracked[];
  try {
    tracked = args.mode === "run" ? await startRuns(deps, args.targets) : await existingRuns(deps, args.targets);
    await waitForRuns(deps, tracked, deadline);
    const unfinished = tracked.filter((t) => !t.outcome);
    if (unfinished.length > 0) await timeOut(deps, args, unfinished, now());
  } catch (error) {
    // Anything that stops the gate is exit 2, never 1: CI must not read it as a failed run.
    if (error instanceof GateStop) deps.say(error.message);
    else if (error instanceof AmigoApiError) deps.say(`Amigo answered with an error: ${error.message}`);
    else deps.say(`simwatch could not carry on: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.usage;
  }
  const outcomes = tracked.map((t) => t.outcome as GateRun);
  if (args.junitFile) {
    await writeFile(args.junitFile, junitXml(outcomes, { hostname: hostname(), startedAt: new Date(startedAt) }));
    deps.say(`JUnit report: ${args.junitFile}`);
  }
  const code = gateExitCode(outcomes);
  deps.say(code === EXIT.passed ? "Every run passed." : code === EXIT.timeout ? "Time ran out before every run finished." : "Not every run passed.");
  return code;
}

/** `simwatch run ... --wait` and `simwatch wait ...` from the command line: parse, wire, run, exit code. */
export async function gateCommand(baseConfig: Config, logger: Logger, mode: "run" | "wait", values: OptionValues, words: readonly string[]): Promise<number> {
  const parsed = gateArgs(mode, values, words);
  if (!parsed.ok) {
    process.stderr.write(`${parsed.error}\n${GATE_USAGE}\n`);
    return EXIT.usage;
  }
  const { args } = parsed;
  // Typed in a terminal (or a CI job): the Slack allow-lists do not apply, as for the other verbs.
  const config = terminalConfig(baseConfig);
  if (!amigoCredentials(config) && !(await readLocalServerInfo(config))?.simulator) {
    process.stderr.write("No Amigo to ask: set AMIGO_ORG_ID, AMIGO_API_KEY, AMIGO_API_KEY_ID and AMIGO_USER_ID (in CI, from its secrets), or start simwatch serve to use its simulator.\n");
    return EXIT.usage;
  }
  const announceIn = config.SLACK_BOT_TOKEN ? (args.channel ?? config.SLACK_DEFAULT_CHANNEL) : undefined;
  // Not announcing: no Slack calls at all, and nothing printed for the (terminal) channel.
  const services = await localServices(announceIn ? config : { ...config, SLACK_BOT_TOKEN: undefined }, { logger, joinRunningServer: true, write: () => {} });
  const toStdout = (line: string) => process.stdout.write(`${line}\n`);
  const toStderr = (line: string) => process.stderr.write(`${line}\n`);
  try {
    return await runGate(args, { services, userId: terminalUser(), ...(announceIn ? { announceIn } : {}), say: args.json ? toStderr : toStdout, print: args.json ? toStdout : () => {} });
  } finally {
    await services.close();
  }
}
