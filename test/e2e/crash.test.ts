/**
 * Crash safety end to end: `simwatch poll` killed with SIGKILL (its whole process group, no
 * clean-up) at many points of its work while runs finish, then polled cleanly; and `simwatch
 * serve` killed in the middle of an archive and started again. Whatever a kill interrupted,
 * every run ends with one message that shows its verdict and where it was archived, each
 * thread reply once, its artifact archived byte for byte, and no half-written file anywhere.
 *
 * Against the embedded simulator on a real clock (answering late, so that each phase of a poll
 * lasts long enough to be hit) and the Slack Web API stand-in (answering late too, so a kill
 * can land between a post and its answer), over loopback, with the folder archive.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Verdict } from "../../functions/core/model/verdict.js";
import { type ArtifactDigest, type RunningSimulator, startSimulator } from "../../functions/local/simulator/index.js";
import { ARCHIVE_PREFIX, archivedRunProblems, artifactPath, strayFiles, unfinishedFiles } from "../support/archive-audit.js";
import { runMessageProblems, runMessages, statusOf } from "../support/channel-audit.js";
import { describeKills, type KillPoint, type KillRecord, killPollAt, killsMidWork } from "../support/poll-kills.js";
import { freePorts, type GroupProcess } from "../support/processes.js";
import { pollResult, simwatchEnv, startSimwatch, waitUntil, type Wiring } from "../support/simwatch-cli.js";
import { startSlackStub } from "../support/slack-stub.js";

const CHANNEL = "C0CRASHTEST";
const MIB = 1024 * 1024;
const WIDE_SET = "Crash: wide regression";
/** The thread reply of every failed run: all the judge's reasons, and every failing unit test. */
const WHY_IT_FAILED = "Why it failed";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Bench extends Wiring {
  dir: string;
  /** Where simwatch runs: a folder without a .env. */
  cwd: string;
}

const benches: Bench[] = [];
const processes: GroupProcess[] = [];

async function startBench(artifactBytes: number): Promise<Bench> {
  const sim = await startSimulator({ rateLimits: false, defaultOutcome: { durationMs: 2_000, artifactsDelayMs: 500, artifactBytes } });
  const slack = await startSlackStub();
  const dir = await mkdtemp(join(tmpdir(), "simwatch-crash-"));
  const bench: Bench = { sim, slack, channel: CHANNEL, archiveDir: join(dir, "archive"), dir, cwd: join(dir, "cwd") };
  await mkdir(bench.cwd);
  benches.push(bench);
  return bench;
}

function simwatch(bench: Bench, args: string[], env: Record<string, string> = {}): GroupProcess {
  const child = startSimwatch(args, { env: simwatchEnv(bench, env), cwd: bench.cwd });
  processes.push(child);
  return child;
}

afterEach(async () => {
  await Promise.all(processes.splice(0).map((child) => child.kill()));
  for (const bench of benches.splice(0)) {
    await Promise.allSettled([bench.sim.close(), bench.slack.close()]);
    await rm(bench.dir, { recursive: true, force: true });
  }
});

interface PlannedRun {
  set: string;
  verdict: Exclude<Verdict, "running" | "cancelled">;
  /** When it finishes, counted from the end of the baseline poll. */
  finishesAfterMs: number;
}

/** Runs that finish one after the other while the polls are being killed. */
const PLANNED_RUNS: PlannedRun[] = [
  { set: "Checkout flows", verdict: "passed", finishesAfterMs: 3_000 },
  { set: WIDE_SET, verdict: "failed", finishesAfterMs: 9_000 },
  { set: "Refund edge cases", verdict: "errored", finishesAfterMs: 15_000 },
  { set: "Billing disputes", verdict: "failed", finishesAfterMs: 21_000 },
  { set: "Onboarding happy path", verdict: "passed", finishesAfterMs: 27_000 },
  { set: WIDE_SET, verdict: "failed", finishesAfterMs: 33_000 },
  { set: "Checkout flows", verdict: "passed", finishesAfterMs: 39_000 },
];

/**
 * One poll per point, in this order. After its first Amigo answer a poll lists for about half
 * a second, then summarises, publishes, posts and archives over the next second or two.
 */
const KILL_POINTS: KillPoint[] = [
  { after: "spawn", ms: 400 },
  { after: "first Amigo answer", ms: 150 },
  { after: "first Amigo answer", ms: 1_000 },
  { after: "first Slack call", ms: 50 },
  { after: "spawn", ms: 1_300 },
  { after: "first Amigo answer", ms: 450 },
  { after: "partial file", ms: 100 },
  { after: "first Amigo answer", ms: 1_300 },
  { after: "first Slack call", ms: 350 },
  { after: "spawn", ms: 2_500 },
  { after: "first Amigo answer", ms: 700 },
  { after: "partial file", ms: 400 },
  { after: "first Amigo answer", ms: 1_700 },
];
/** Every killed poll dies this long after its spawn at the latest. */
const KILL_CAP_MS = 8_000;
const CLEAN_POLLS_MAX = 10;
/** Clean polls in a row that change nothing (once every run has finished) before giving up. */
const CLEAN_POLLS_WITHOUT_PROGRESS = 3;
const CLEAN_POLL_SPACING_MS = 2_000;
const CLEAN_POLL_TIMEOUT_MS = 60_000;

const wideCase = (index: number) => `Wide case ${String(index + 1).padStart(2, "0")}`;

/** A set with more unit tests than a run's message lists, so its Why it failed reply lists more than the message. */
function addWideSet(sim: RunningSimulator): void {
  const criteria = [{ name: "Issue resolved", metric: "Task completion", criterion: { type: "boolean" as const, expected_value: true } }];
  sim.control.addSet({ name: WIDE_SET, unitTests: Array.from({ length: 12 }, (_, index) => ({ name: wideCase(index), runCount: 1, criteria })) });
}

function outcomeOf(run: PlannedRun) {
  const durationMs = run.finishesAfterMs;
  if (run.verdict === "passed") return { durationMs, failing: [], errors: [] };
  if (run.verdict === "errored") return { durationMs, errors: [{ unitTest: "Refund in a foreign currency", message: "Simulation aborted: persona service timed out" }] };
  // Every unit test of the wide set fails; Billing disputes fails as its seed outcome says.
  return run.set === WIDE_SET ? { durationMs, failing: Array.from({ length: 12 }, (_, index) => ({ unitTest: wideCase(index) })) } : { durationMs };
}

/** A run created in the simulator, and how it must end up reported and archived. */
interface ExpectedRun {
  set: string;
  verdict: PlannedRun["verdict"];
  runId: string;
  setId: string;
  artifact: ArtifactDigest;
}

/** Everything wrong with how the runs were reported and archived, and what is left half-written, one line per problem. */
async function runProblems(bench: Bench, runs: readonly ExpectedRun[]): Promise<string[]> {
  const problems: string[] = [];
  for (const run of runs) {
    const expected = { runId: run.runId, verdict: run.verdict, archivedAt: artifactPath(bench.archiveDir, run), replies: run.verdict === "failed" ? [WHY_IT_FAILED] : [] };
    const found = [...runMessageProblems(bench.slack, CHANNEL, expected), ...(await archivedRunProblems(bench.archiveDir, run))];
    problems.push(...found.map((problem) => `run ${run.runId} (${run.set}, ${run.verdict}): ${problem}`));
  }
  const stray = await strayFiles(bench.archiveDir, runs);
  if (stray.length > 0) problems.push(`stray or partial files under ARCHIVE_DIR: ${stray.join(", ")}`);
  return problems;
}

/**
 * Clean polls, a little apart, until every run is reported and archived, or CLEAN_POLLS_MAX, or
 * CLEAN_POLLS_WITHOUT_PROGRESS in a row changed nothing. Returns how many ran and the last one.
 */
async function pollUntilReported(bench: Bench, runs: readonly ExpectedRun[]): Promise<{ count: number; last?: GroupProcess; problems: string[] }> {
  const allFinished = () => runs.every(({ runId }) => bench.sim.control.getRun(runId)?.artifacts_generated === true);
  const stateOf = (problems: string[]) => `${bench.slack.calls.length}\n${problems.join("\n")}`;
  let problems = await runProblems(bench, runs);
  let last: GroupProcess | undefined;
  let count = 0;
  for (let stalled = 0; count < CLEAN_POLLS_MAX && stalled < CLEAN_POLLS_WITHOUT_PROGRESS; ) {
    if (count > 0 && problems.length === 0) break;
    const finished = allFinished();
    const before = stateOf(problems);
    if (count > 0) await sleep(CLEAN_POLL_SPACING_MS);
    last = simwatch(bench, ["poll"]);
    await waitUntil(() => last?.exited !== undefined, { timeoutMs: CLEAN_POLL_TIMEOUT_MS, everyMs: 100 });
    await last.kill();
    count++;
    problems = await runProblems(bench, runs);
    stalled = finished && stateOf(problems) === before ? stalled + 1 : 0;
  }
  return { count, problems, ...(last ? { last } : {}) };
}

describe("simwatch poll killed with SIGKILL at any point of its work", () => {
  it(
    "still reports every run once with its final verdict and archives it byte for byte, leaving no partial file",
    { timeout: 300_000 },
    async () => {
      const bench = await startBench(32 * MIB);
      const { sim, slack } = bench;
      addWideSet(sim);
      const baseline = simwatch(bench, ["poll"]);
      await baseline.exit;
      expect(pollResult(baseline), baseline.output()).toMatchObject({ ok: true });

      const runs: ExpectedRun[] = PLANNED_RUNS.map((planned) => {
        const runId = sim.control.createRun({ set: planned.set, outcome: outcomeOf(planned) });
        const setId = sim.control.getRun(runId)?.simulation_unit_test_set_id ?? "";
        return { ...planned, runId, setId, artifact: sim.control.expectedArtifact(runId) };
      });
      // Every phase lasts long enough to be hit: each Amigo answer and each Slack answer comes late.
      sim.control.faults.delayNext("*", { ms: 150, count: Infinity });
      slack.answerLate(400);

      const kills: KillRecord[] = [];
      for (const point of KILL_POINTS) kills.push(await killPollAt(bench, () => simwatch(bench, ["poll"]), point, KILL_CAP_MS));
      const clean = await pollUntilReported(bench, runs);

      const problems = [...clean.problems];
      const last = clean.last && pollResult(clean.last);
      if (!last?.ok) problems.push(`the last clean poll did not succeed: ${last ? JSON.stringify(last) : clean.last?.output().slice(-2_000)}`);
      const shown = runs.map((run) => `${run.runId.slice(-6)} ${runMessages(slack, CHANNEL, run.runId).map(statusOf).join("+") || "none"}`);
      console.log(
        `crash test: ${describeKills(kills)}; then ${clean.count} clean polls, ${problems.length === 0 ? "everything reported" : `${problems.length} problems left`}; ` +
          `verdicts shown: ${shown.join(", ")}`,
      );

      expect(killsMidWork(kills), "kills that landed after start-up").toBeGreaterThanOrEqual(3);
      expect(problems).toEqual([]);
    },
  );
});

describe("simwatch serve killed with SIGKILL in the middle of an archive", () => {
  it("archives the run byte for byte and reports it once when started again", { timeout: 180_000 }, async () => {
    const bench = await startBench(160 * MIB);
    const { sim } = bench;
    const ports = await freePorts(2);
    const serve = (port: number | undefined) => {
      const server = simwatch(bench, ["serve"], { PORT: String(port), POLL_INTERVAL_SECONDS: "1" });
      const ready = waitUntil(() => server.output().includes("Polling Amigo every"), { timeoutMs: 30_000, stop: () => server.exited !== undefined });
      return { server, ready };
    };
    const writing = async () => (await unfinishedFiles(join(bench.archiveDir, ARCHIVE_PREFIX))).length > 0;

    const first = serve(ports[0]);
    expect(await first.ready, first.server.output()).toBe(true);
    const set = "Onboarding happy path";
    const runId = sim.control.createRun({ set, outcome: { failing: [], errors: [] } });
    const setId = sim.control.getRun(runId)?.simulation_unit_test_set_id ?? "";
    expect(await waitUntil(writing, { timeoutMs: 30_000, stop: () => first.server.exited !== undefined }), "the archive began").toBe(true);
    await sleep(300);
    const killedMidArchive = await writing();
    await first.server.kill();
    expect(killedMidArchive, "the kill landed while the artifact was being written").toBe(true);

    const second = serve(ports[1]);
    expect(await second.ready, second.server.output()).toBe(true);
    const run: ExpectedRun = { set, verdict: "passed", runId, setId, artifact: sim.control.expectedArtifact(runId) };
    await waitUntil(async () => (await runProblems(bench, [run])).length === 0, { timeoutMs: 40_000, everyMs: 500 });
    process.kill(-second.server.pid, "SIGINT");
    const stopped = await waitUntil(() => second.server.exited !== undefined, { timeoutMs: 20_000, everyMs: 100 });

    const problems = await runProblems(bench, [run]);
    if (!stopped) problems.push("the restarted serve did not stop on SIGINT");
    expect(problems).toEqual([]);
  });
});
