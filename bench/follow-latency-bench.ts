/**
 * Amigo-finish-to-Slack latency in real time: a real `simwatch serve` process following 20
 * runs of the simulator (real clock, published rate limits on) that finish at random moments,
 * the Slack stand-in recording when chat.update first showed each run's verdict. The simulator
 * knows when each run completed (created_at + its duration) and when each tick listed runs, so
 * each latency splits into the wait for the next tick and the tick-to-Slack work. The old
 * behaviour (one tick a minute) is computed from the same finishes and the same work times.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator } from "../functions/local/simulator/index.js";
import { freePorts } from "../test/support/processes.js";
import { simwatchEnv, startSimwatch, waitUntil, type Wiring } from "../test/support/simwatch-cli.js";
import { startSlackStub, type StubCall } from "../test/support/slack-stub.js";
import { percentile, type Say } from "./figures.js";

const RUNS = 20;
const CHANNEL = "C0FOLLOW";
const MIN_DURATION_MS = 20_000;
const MAX_DURATION_MS = 140_000;
const OLD_TICK_MS = 60_000;

interface Finish {
  runId: string;
  finishedAt: number;
}

/** When chat.update first showed `runId` with a verdict other than running. */
function verdictShownAt(calls: readonly StubCall[], runId: string): number | undefined {
  return calls.find((call) => {
    if (call.method !== "chat.update" || call.status !== 200) return false;
    const text = String(call.params.text ?? "");
    return text.includes(`(run ${runId})`) && !text.includes(`: running (run ${runId})`);
  })?.at;
}

function summary(label: string, values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return `${label} median ${s(percentile(sorted, 50))}, p95 ${s(percentile(sorted, 95))}, max ${s(sorted.at(-1) ?? Number.NaN)}`;
}

export async function runFollowLatencyBench(say: Say): Promise<void> {
  const sim = await startSimulator({ rateLimits: true, defaultOutcome: { artifactsDelayMs: 2_000, artifactBytes: 4_096 } });
  const slack = await startSlackStub();
  const dir = await mkdtemp(join(tmpdir(), "simwatch-bench-latency-"));
  const [port] = await freePorts(1);
  await mkdir(join(dir, "cwd"));
  const wiring: Wiring = { sim, slack, channel: CHANNEL, archiveDir: join(dir, "archive") };
  // Sets of their own, with one unit test and no errors: each run ends exactly at created_at + its duration.
  const criteria = [{ name: "Issue resolved", metric: "Task completion", criterion: { type: "boolean" as const, expected_value: true } }];
  const sets = Array.from({ length: 4 }, (_, index) => sim.control.addSet({ name: `Latency set ${index + 1}`, unitTests: [{ name: `Latency case ${index + 1}`, criteria }] }));
  const finishes: Finish[] = Array.from({ length: RUNS }, (_, index) => {
    const durationMs = Math.round(MIN_DURATION_MS + Math.random() * (MAX_DURATION_MS - MIN_DURATION_MS));
    const runId = sim.control.createRun({ set: sets[index % sets.length]?.id ?? "", creator: `bench-user-${index}`, outcome: { durationMs } });
    return { runId, finishedAt: Date.parse(sim.control.getRun(runId)?.created_at ?? "") + durationMs };
  });
  const serve = startSimwatch(["serve"], { env: simwatchEnv(wiring, { PORT: String(port) }), cwd: join(dir, "cwd") });
  try {
    const shown = await waitUntil(() => finishes.every(({ runId }) => verdictShownAt(slack.calls, runId) !== undefined), {
      timeoutMs: MAX_DURATION_MS + 90_000,
      everyMs: 250,
      stop: () => serve.exited !== undefined,
    });
    if (!shown) say(`  (not every verdict reached Slack in time; serve said: ${serve.output().slice(-600)})`);
    // A tick starts by listing the runs in progress; its first page is logged when answered.
    const ticks = sim.control
      .requests("listRuns")
      .filter((request) => request.query.includes("is_completed=false") && /[?&]continuation_token=0(&|$)/.test(request.query))
      .map((request) => Date.parse(request.at));
    const measured: { latency: number; wait: number; work: number; old: number }[] = [];
    for (const { runId, finishedAt } of finishes) {
      const at = verdictShownAt(slack.calls, runId);
      const tick = ticks.find((tickAt) => tickAt >= finishedAt);
      if (at === undefined || tick === undefined) continue;
      const oldTick = (ticks[0] ?? 0) + Math.ceil((finishedAt - (ticks[0] ?? 0)) / OLD_TICK_MS) * OLD_TICK_MS;
      measured.push({ latency: at - finishedAt, wait: tick - finishedAt, work: at - tick, old: oldTick - finishedAt + (at - tick) });
    }
    say(
      `Finish-to-Slack latency: ${measured.length} of ${RUNS} runs finishing at random moments ${MIN_DURATION_MS / 1000}-${MAX_DURATION_MS / 1000} s after they started, ` +
        `one real \`simwatch serve\` (FOLLOW_INTERVAL_SECONDS 10), simulator on a real clock, Slack stand-in:`,
    );
    say(`  ${summary("fast follow (measured):  ", measured.map((m) => m.latency))}`);
    say(`    of which waiting for the next tick ${summary("", measured.map((m) => m.wait)).trim()}; tick to chat.update ${summary("", measured.map((m) => m.work)).trim()}`);
    say(`  ${summary("one tick a minute (computed: the same finishes, ticks every 60 s from the first, the same tick-to-Slack times):", measured.map((m) => m.old))}`);
    say(`  ticks seen: ${ticks.length} in ${((Math.max(...ticks) - Math.min(...ticks)) / 1000).toFixed(0)} s`);
  } finally {
    await serve.kill();
    await sim.close();
    await slack.close();
    await rm(dir, { recursive: true, force: true });
  }
}
