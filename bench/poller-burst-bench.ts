/**
 * Bursts of finishes through the poller as Lambda runs it: one cold invocation a minute (a fresh
 * client with the poller's share of Amigo's limits, a 55 s timeout), the simulator enforcing
 * Amigo's published limits. Figures: how long each tick took, how many minutes until every
 * run's complete summary was out and its archive asked for, and the busiest sliding minute per
 * endpoint next to Amigo's limit. Real parts: the simulator over loopback HTTP, the folder state.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAmigoClient } from "../functions/amigo/index.js";
import { PUBLISHED_RATE_LIMITS } from "../functions/amigo/endpoints.js";
import { FileSystemStateStore } from "../functions/archive/fs-state-store.js";
import { InProcessBus } from "../functions/bus/in-process-bus.js";
import type { SimwatchEvent } from "../functions/core/events.js";
import { silentLogger } from "../functions/core/log.js";
import { tickDeadline } from "../functions/core/poller/follow.js";
import { pollOnce } from "../functions/core/poller/poll.js";
import { AMIGO_RATE_SHARES } from "../functions/handlers/lambda-services.js";
import { type RunningSimulator, startSimulator } from "../functions/local/simulator/index.js";

const LAMBDA_TIMEOUT_MS = 55_000;

interface Burst {
  sets: number;
  unitTests: number;
  repetitions: number;
}

function addFailingSet(sim: RunningSimulator, name: string, burst: Burst) {
  const criteria = ["Tone", "Accuracy", "Resolution"].map((metric) => ({ name: `${metric} ok`, metric, criterion: { type: "boolean" as const, expected_value: true } }));
  const tests = Array.from({ length: burst.unitTests }, (_, index) => ({ name: `${name} case ${index + 1}`, runCount: burst.repetitions, criteria }));
  return sim.control.addSet({ name, unitTests: tests, outcome: { durationMs: 30_000, artifactsDelayMs: 0, artifactBytes: 1_024, failing: tests.map((test) => ({ unitTest: test.name })) } });
}

/** The most requests answered in any minute of simulator time, per endpoint. */
function busiestMinute(sim: RunningSimulator): Map<string, number> {
  const byEndpoint = new Map<string, number[]>();
  for (const request of sim.control.requests()) {
    if (request.status !== 200) continue;
    byEndpoint.set(request.endpoint, [...(byEndpoint.get(request.endpoint) ?? []), Date.parse(request.at)]);
  }
  const busiest = new Map<string, number>();
  for (const [endpoint, times] of byEndpoint) {
    times.sort((a, b) => a - b);
    let most = 0;
    for (let start = 0, end = 0; end < times.length; end++) {
      while (times[end]! - times[start]! >= 60_000) start++;
      most = Math.max(most, end - start + 1);
    }
    busiest.set(endpoint, most);
  }
  return busiest;
}

async function runBurst(say: (line: string) => void, burst: Burst): Promise<void> {
  const sim = await startSimulator({ clock: "manual", rateLimits: true, startTime: new Date() });
  const root = await mkdtemp(join(tmpdir(), "simwatch-bench-burst-"));
  const state = new FileSystemStateStore({ root });
  const bus = new InProcessBus({ log: silentLogger });
  const events: SimwatchEvent[] = [];
  for (const type of ["Run Finished", "Artifacts Ready"] as const) bus.subscribe(type, (event) => void events.push(event), { name: "bench" });
  const tickMs: number[] = [];
  const invoke = async () => {
    const startedAt = performance.now();
    const amigo = createAmigoClient({ baseUrl: sim.url, credentials: sim.credentials, clock: sim.control.clock, rateLimitShare: AMIGO_RATE_SHARES.poller });
    await pollOnce({ amigo, state, bus, clock: sim.control.clock, logger: silentLogger, giveUpAfterHours: 48, deadline: tickDeadline(() => LAMBDA_TIMEOUT_MS - (performance.now() - startedAt)) });
    await bus.idle();
    tickMs.push(performance.now() - startedAt);
    sim.control.advance(60_000);
  };
  try {
    await invoke();
    const runIds = Array.from({ length: burst.sets }, (_, index) => sim.control.createRun({ set: addFailingSet(sim, `Burst set ${index + 1}`, burst).id }));
    sim.control.resetRequests();
    tickMs.length = 0;
    const drained = () => {
      const complete = new Set(events.flatMap((event) => (event.detailType === "Run Finished" && !event.detail.summary?.awaiting ? [event.detail.runId] : [])));
      const archiving = new Set(events.flatMap((event) => (event.detailType === "Artifacts Ready" ? [event.detail.runId] : [])));
      return runIds.every((runId) => complete.has(runId) && archiving.has(runId));
    };
    let minutes = 0;
    while (!drained() && minutes < 400) {
      await invoke();
      minutes++;
    }
    const sorted = [...tickMs].sort((a, b) => a - b);
    const refused = sim.control.requests().filter((request) => request.status === 429).length;
    const results = burst.unitTests * 3 * burst.repetitions;
    say(`  ${burst.sets} sets finishing at once, ${results} failing results each (${Math.ceil(results / 500)} page(s) a run):`);
    say(`    drained in ${minutes} one-minute invocations; tick wall time median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(0)} ms, max ${sorted.at(-1)?.toFixed(0)} ms (deadline ${LAMBDA_TIMEOUT_MS - 5_000} ms); ${refused} requests refused (429)`);
    const busiest = [...busiestMinute(sim)].map(([endpoint, count]) => `${endpoint} ${count}/${PUBLISHED_RATE_LIMITS[endpoint as keyof typeof PUBLISHED_RATE_LIMITS] ?? "-"}`);
    say(`    busiest minute per endpoint (answered/Amigo's limit): ${busiest.join(", ")}`);
  } finally {
    await sim.close();
    await rm(root, { recursive: true, force: true });
  }
}

export async function runPollerBurstBench(say: (line: string) => void): Promise<void> {
  await runBurst(say, { sets: 50, unitTests: 10, repetitions: 20 });
  await runBurst(say, { sets: 500, unitTests: 10, repetitions: 2 });
}
