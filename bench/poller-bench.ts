/**
 * One poller tick with 1,000 in-progress runs: Amigo calls (by endpoint) and wall time,
 * for the first tick (all new), a quiet tick (nothing changed) and the tick where all 1,000
 * finish. Real parts: the simulator over loopback HTTP and the filesystem state store.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAmigoClient } from "../functions/amigo/index.js";
import { FileSystemStateStore } from "../functions/archive/fs-state-store.js";
import { InProcessBus } from "../functions/bus/in-process-bus.js";
import { silentLogger } from "../functions/core/log.js";
import { pollOnce } from "../functions/core/poller/poll.js";
import { startSimulator } from "../functions/local/simulator/index.js";

export async function runPollerBench(say: (line: string) => void, runs = 1_000): Promise<void> {
  const sim = await startSimulator({ clock: "manual", rateLimits: false, startTime: new Date() });
  const root = await mkdtemp(join(tmpdir(), "simwatch-bench-poller-"));
  const calls = new Map<string, number>();
  const amigo = createAmigoClient({
    baseUrl: sim.url,
    credentials: sim.credentials,
    clock: sim.control.clock,
    onRequest: (info) => calls.set(info.endpoint, (calls.get(info.endpoint) ?? 0) + 1),
    // This bench measures what a tick costs; pacing within Amigo's limits is the pipeline bench's.
    rateLimitShare: false,
  });
  const state = new FileSystemStateStore({ root });
  const bus = new InProcessBus({ log: silentLogger });
  const tick = async (label: string) => {
    calls.clear();
    const started = performance.now();
    const report = await pollOnce({ amigo, state, bus, clock: sim.control.clock, logger: silentLogger, giveUpAfterHours: 48 });
    const ms = performance.now() - started;
    const total = [...calls.values()].reduce((sum, count) => sum + count, 0);
    const byEndpoint = [...calls.entries()].map(([endpoint, count]) => `${endpoint} ${count}`).join(", ");
    say(`  ${label.padEnd(34)} ${String(total).padStart(3)} Amigo calls (${byEndpoint}); ${ms.toFixed(0)} ms; events ${report.events}`);
  };
  try {
    await tick("empty first tick (sign-in)");
    const sets = sim.control.sets();
    for (let i = 0; i < runs; i++) {
      sim.control.createRun({ set: sets[i % sets.length]?.id ?? "", creator: `bench-user-${i}`, outcome: { durationMs: 60_000, artifactsDelayMs: null } });
    }
    say(`Poller tick with ${runs} in-progress runs (simulator over loopback HTTP, filesystem state):`);
    await tick(`tick: ${runs} new runs`);
    await tick("tick: nothing changed");
    sim.control.advance(61_000);
    await tick(`tick: all ${runs} finish`);
    await tick("tick: waiting for artifacts");
  } finally {
    await bus.close();
    await sim.close();
    await rm(root, { recursive: true, force: true });
  }
}
