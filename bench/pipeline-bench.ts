/**
 * The whole pipeline as a user runs it: one `simwatch poll` process (poll, archive and notify)
 * spawned against the simulator (its published rate limits on) and the Slack stand-in, with N
 * runs of 12 sets starting, then finishing with their (small) artifacts ready. Prints Amigo
 * calls by endpoint next to the budgets ceil(N/50) + 4 and 2 x ceil(N/50) + 6 (+ one artifacts
 * link per run), Slack calls per run and wall time.
 * BENCH_PIPELINE_RUNS=1,120 picks the sizes (default 1, 120 and 1,000); BENCH_CPU_PROF=<dir>
 * profiles each child (node --cpu-prof) there and prints where its time went.
 */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DEFAULT_RATE_LIMIT_SHARE } from "../functions/amigo/client.js";
import { PUBLISHED_RATE_LIMITS } from "../functions/amigo/endpoints.js";

/** Metric-result reads a minute the process's client allows itself; later polls read the rest. */
const JUDGE_READS_PER_MINUTE = Math.floor(PUBLISHED_RATE_LIMITS.listMetricResults * DEFAULT_RATE_LIMIT_SHARE);
import { type RunningSimulator, startSimulator } from "../functions/local/simulator/index.js";
import { pollResult, SIMWATCH_BIN, simwatchEnv, startSimwatch, type Wiring } from "../test/support/simwatch-cli.js";
import { startSlackStub } from "../test/support/slack-stub.js";
import { profileSummary } from "./cpu-profile.js";
import { busiestMinute, formatCounts, type Say, slackCallsOf, sumCounts } from "./figures.js";

const SETS = 12;
const CHANNEL = "C0PIPELINE";
const ARTIFACT_BYTES = 4_096;
const pages = (n: number) => Math.ceil(n / 50);

interface PollFigures {
  amigo: Partial<Record<string, number>>;
  /** Amigo answers with HTTP 429, by endpoint. */
  limited: Partial<Record<string, number>>;
  /** When each artifacts link was asked for (simulator time, ms). */
  artifactLinksAt: number[];
  slack: ReturnType<typeof slackCallsOf>;
  ms: number;
  ok: boolean;
}

async function addSets(sim: RunningSimulator): Promise<void> {
  const criteria = [{ name: "Issue resolved", metric: "Task completion", criterion: { type: "boolean" as const, expected_value: true } }];
  for (let index = sim.control.sets().length; index < SETS; index++) {
    sim.control.addSet({ name: `Pipeline set ${index + 1}`, unitTests: [{ name: `Pipeline case ${index + 1}`, criteria }] });
  }
}

/** One `simwatch poll` to its end: what it asked Amigo and Slack for. */
async function poll(wiring: Wiring, cwd: string, profileDir: string | undefined): Promise<PollFigures> {
  const { sim, slack } = wiring;
  sim.control.resetRequests();
  const slackBefore = slack.calls.length;
  const started = performance.now();
  const child = startSimwatch(["poll"], { env: simwatchEnv(wiring), cwd, ...(profileDir ? { nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] } : {}) });
  await child.exit;
  const ms = performance.now() - started;
  const result = pollResult(child);
  if (!result?.ok) process.stderr.write(`simwatch poll did not succeed:\n${child.output().slice(-2000)}\n`);
  const amigo: Partial<Record<string, number>> = { ...sim.control.requestCounts() };
  delete amigo.download; // the artifact file itself, not an Amigo API call
  const limited: Partial<Record<string, number>> = {};
  for (const request of sim.control.requests()) if (request.status === 429) limited[request.endpoint] = (limited[request.endpoint] ?? 0) + 1;
  const artifactLinksAt = sim.control.requests("getArtifacts").map((request) => Date.parse(request.at));
  return { amigo, limited, artifactLinksAt, slack: slackCallsOf(slack.calls.slice(slackBefore)), ms, ok: result?.ok === true };
}

function report(say: Say, label: string, runs: number, budget: string, figures: PollFigures): void {
  const { getArtifacts = 0, ...rest } = figures.amigo;
  const perRun = (count: number) => (runs > 0 ? (count / runs).toFixed(2) : "-");
  const s = figures.slack;
  say(`  ${label}${figures.ok ? "" : " (FAILED: see stderr)"}: ${(figures.ms / 1000).toFixed(1)} s wall`);
  say(`    Amigo: ${sumCounts(figures.amigo)} calls (${formatCounts(figures.amigo)}); HTTP 429 answers: ${sumCounts(figures.limited) === 0 ? "none" : formatCounts(figures.limited)}`);
  say(`           ${sumCounts(rest)} besides the ${getArtifacts} artifact links; budget ${budget}`);
  const links = figures.artifactLinksAt;
  if (links.length > 1) {
    const span = ((links.at(-1) ?? 0) - (links[0] ?? 0)) / 1000;
    say(`           artifact links asked over ${span.toFixed(0)} s, at most ${busiestMinute(links)} in a sliding minute (published limit ${PUBLISHED_RATE_LIMITS.getArtifacts}; the client keeps to 90% of it)`);
  }
  say(
    `    Slack: ${s.posts} posts, ${s.edits} edits, ${s.replies} thread replies, ${s.lookups} look-ups` +
      (runs > 0 ? ` (per run: ${perRun(s.posts)} posts, ${perRun(s.edits)} edits, ${perRun(s.replies)} replies, ${perRun(s.lookups)} look-ups)` : ""),
  );
}

async function benchOne(say: Say, runs: number, profileRoot: string | undefined): Promise<void> {
  const sim = await startSimulator({ rateLimits: true, defaultOutcome: { durationMs: 60 * 60_000, artifactsDelayMs: 1_000, artifactBytes: ARTIFACT_BYTES } });
  const slack = await startSlackStub();
  const dir = await mkdtemp(join(tmpdir(), "simwatch-bench-pipeline-"));
  const cwd = join(dir, "cwd");
  const profileDir = (phase: string) => (profileRoot ? resolve(profileRoot, `pipeline-${runs}-${phase}`) : undefined);
  const profiled = (phase: string) => {
    const where = profileDir(phase);
    if (where) say(`    CPU profile (${where}): ${profileSummary(where)}`);
  };
  try {
    await mkdir(cwd);
    await addSets(sim);
    const wiring: Wiring = { sim, slack, channel: CHANNEL, archiveDir: join(dir, "archive") };
    say(`${runs} run(s) of ${SETS} sets:`);
    report(say, "first poll, nothing running yet", 0, "-", await poll(wiring, cwd, undefined));
    const sets = sim.control.sets();
    for (let index = 0; index < runs; index++) sim.control.createRun({ set: sets[index % SETS]?.id ?? "" });
    report(say, `${runs} starting`, runs, `ceil(N/50) + 4 = ${pages(runs) + 4}`, await poll(wiring, cwd, profileDir("starting")));
    profiled("starting");
    sim.control.advance(2 * 60 * 60_000);
    // #11 adds to #10's budget: the trend reads one history per set with a finished run, and the
    // judge's reasons are read for failed runs, at most JUDGE_READS_PER_MINUTE a minute.
    const histories = Math.min(runs, SETS);
    const budget =
      `2 x ceil(N/50) + 6 = ${2 * pages(runs) + 6}, + ${histories} set histor${histories === 1 ? "y" : "ies"} (one per finished set) ` +
      `+ at most ${JUDGE_READS_PER_MINUTE} judge's-reasons reads = ${2 * pages(runs) + 6 + histories + JUDGE_READS_PER_MINUTE}, plus ${runs} artifact link(s)`;
    report(say, `${runs} finishing, artifacts ready (${ARTIFACT_BYTES / 1024} KB each), archived`, runs, budget, await poll(wiring, cwd, profileDir("finishing")));
    profiled("finishing");
  } finally {
    await sim.close();
    await slack.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** A process that starts and exits at once (`simwatch --help`): what every line's wall time includes. */
function startupSeconds(): number {
  const started = performance.now();
  execFileSync(process.execPath, [SIMWATCH_BIN, "--help"], { stdio: "ignore" });
  return (performance.now() - started) / 1000;
}

export async function runPipelineBench(say: Say): Promise<void> {
  const sizes = (process.env.BENCH_PIPELINE_RUNS ?? "1,120,1000").split(",").map(Number).filter((n) => Number.isInteger(n) && n > 0);
  say("One `node bin/simwatch.js poll` process per line, spawned as a user runs it (simulator with its published rate limits on, Slack stand-in, folder archive).");
  say(`Each wall time includes starting node and tsx: \`simwatch --help\` takes ${startupSeconds().toFixed(1)} s here.`);
  if (sizes.includes(1_000)) say("1,000 runs finishing take over 11 minutes: 1,000 artifact links at 90% of Amigo's published 100 a minute (BENCH_PIPELINE_RUNS=1,120 skips it).");
  for (const runs of sizes) await benchOne(say, runs, process.env.BENCH_CPU_PROF);
}
