/**
 * The Home tab's figures: how long a Home for 200 sets takes to build and render (and how big
 * it is); how many Amigo calls 100 people opening their Homes within a minute cost; and how
 * many views.publish calls a minute Slack gets while 1,000 runs finish for 300 people with an
 * open Home. Real parts: the simulator (its clock manual, so a drain's waits pass at once), the
 * Slack stand-in over loopback, state in a folder.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { FileSystemStateStore } from "../functions/archive/fs-state-store.js";
import { accessPolicy } from "../functions/core/commands/access.js";
import { parseConfig } from "../functions/core/config.js";
import type { HomeFacts } from "../functions/core/home/home-facts.js";
import { createHomeRefresh, PUBLISHES_PER_MINUTE } from "../functions/core/home/home-refresh.js";
import { buildHome } from "../functions/core/home/home-view.js";
import { deadlineIn } from "../functions/core/util/deadline.js";
import { stateKeys } from "../functions/core/idempotency/state-keys.js";
import { homeFits, renderHome } from "../functions/slack/home-blocks.js";
import { startSlackStub } from "../test/support/slack-stub.js";
import { startTestSimulator } from "../test/support/simulator.js";
import { homeParts } from "../test/support/home-parts.js";
import { busiestMinute, formatCounts, percentile, type Say, sumCounts } from "./figures.js";

const TICK_MS = 3_000;
const hex = (n: number, prefix: string) => `${prefix}${n.toString(16).padStart(24 - prefix.length, "0")}`;

function bigFacts(): HomeFacts {
  const name = (i: number) => `Regression set ${i}: checkout, refunds & disputes in <EU> markets`;
  return {
    readAt: new Date().toISOString(),
    sets: Array.from({ length: 200 }, (_, i) => ({ setId: hex(i, "a"), setName: name(i), latestRunId: hex(i, "b"), verdict: i % 3 ? "passed" : "failed", lastRunAt: new Date().toISOString(), sparkline: "▁▃▅▇█▇▅▃▁█" })),
    running: Array.from({ length: 30 }, (_, i) => ({ runId: hex(i, "c"), setId: hex(i, "a"), setName: name(i), verdict: "running", createdAt: new Date().toISOString(), startedBy: "U0ALICE" })),
    started: Array.from({ length: 50 }, (_, i) => ({ runId: hex(i, "d"), setId: hex(i, "a"), setName: name(i), verdict: "passed", createdAt: new Date().toISOString(), startedBy: "U0ALICE" })),
    schedules: Array.from({ length: 50 }, (_, i) => ({ setId: hex(i, "a"), setName: name(i), channelId: "C0TEAM", owner: "U0ALICE", description: "every weekday at 09:00, Europe/Berlin time", next: new Date().toISOString() })),
    runsCut: true,
  };
}

function renderFigures(say: Say): void {
  const facts = bigFacts();
  const access = accessPolicy(parseConfig({}));
  const times: number[] = [];
  let view = buildHome({ facts, userId: "U0ALICE", access, archiveWebUrl: "https://archive.example.com/archive/" }, homeFits);
  for (let i = 0; i < 200; i++) {
    const start = performance.now();
    view = buildHome({ facts, userId: "U0ALICE", access, archiveWebUrl: "https://archive.example.com/archive/" }, homeFits);
    renderHome(view);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const bytes = Buffer.byteLength(JSON.stringify(renderHome(view)), "utf8");
  say(`render, 200 sets + 30 running + 50 schedules: median ${percentile(times, 50).toFixed(2)} ms, p95 ${percentile(times, 95).toFixed(2)} ms (build, fit, Block Kit); ${view.blocks.length} blocks of 100, ${(bytes / 1024).toFixed(1)} KB of 250`);
}

async function parts() {
  const sim = await startTestSimulator({ startTime: new Date() });
  const stub = await startSlackStub();
  const dir = await mkdtemp(join(tmpdir(), "simwatch-home-bench-"));
  const state = new FileSystemStateStore({ root: dir });
  const { deps, homes, published } = homeParts(sim, stub, state);
  const close = async () => {
    await Promise.allSettled([sim.close(), stub.close()]);
    await rm(dir, { recursive: true, force: true });
  };
  return { sim, stub, state, deps, homes, published, close };
}

async function openFigures(say: Say): Promise<void> {
  const { sim, homes, close } = await parts();
  try {
    for (const set of ["Checkout flows", "Billing disputes", "Onboarding happy path", "Refund edge cases"]) {
      for (let i = 0; i < 5; i++) sim.control.createRun({ set, createdAt: new Date(sim.control.now().getTime() - (i + 1) * 3600_000), outcome: { durationMs: 60_000 } });
    }
    sim.control.resetRequests();
    // 100 people within one minute: ten at once every six seconds.
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(Array.from({ length: 10 }, (_, i) => homes.opened({ userId: `U0P${batch * 10 + i}`, eventId: `Ev${batch}-${i}`, openedAt: sim.control.now().toISOString() })));
      sim.control.advance(6_000);
    }
    const counts = sim.control.requestCounts();
    const calls = sumCounts(counts) - (counts.signIn ?? 0);
    say(`100 Homes opened within a minute (10 at once every 6 s): ${calls} Amigo calls (${formatCounts(counts)}; the sign-in is the client's token); /sim status makes 2`);
  } finally {
    await close();
  }
}

async function finishFigures(say: Say): Promise<void> {
  const { sim, stub, deps, homes, published, close } = await parts();
  // A drain's waits move the simulated clock on (at most its 20 s); the bench moves it 3 s between drains.
  const refresh = createHomeRefresh({ ...deps, homes, bus: { publish: async () => undefined }, wait: async (ms) => sim.control.advance(ms) });
  const sets = ["Checkout flows", "Billing disputes", "Onboarding happy path", "Refund edge cases"];
  const ids = new Map(sim.control.sets().map((set) => [set.name, set.id]));
  const drainFor = () => ({ deadline: deadlineIn(20_000, () => sim.control.now().getTime()) });
  try {
    for (const set of sets) sim.control.createRun({ set, createdAt: new Date(sim.control.now().getTime() - 3600_000), outcome: { durationMs: 60_000 } });
    for (let i = 0; i < 300; i++) await homes.opened({ userId: `U0V${i}`, eventId: `EvV${i}`, openedAt: sim.control.now().toISOString() });
    const opens = published.length;
    published.length = 0;
    const start = sim.control.now().getTime();
    // 1,000 finishes over 10 minutes (one every 0.6 s). Each marks its set as Run Finished does
    // (refresh.runFinished's first step); one drain every 3 s, as a busy command worker would run them.
    let finished = 0;
    let lastPublish = start;
    for (let tick = 0; tick < 2000; tick++) {
      while (finished < 1000 && start + finished * 600 <= sim.control.now().getTime()) {
        const set = sets[finished % sets.length] as string;
        sim.control.createRun({ set, createdAt: new Date(sim.control.now().getTime() - 2_000), outcome: { durationMs: 1_000 } });
        await deps.state.create(stateKeys.homeSetFinished(ids.get(set) ?? ""), { setId: ids.get(set), at: sim.control.now().toISOString() });
        finished++;
      }
      const before = published.length;
      const report = await refresh.drain(drainFor());
      if (published.length > before) lastPublish = sim.control.now().getTime();
      if (finished === 1000 && report.status === "drained" && report.waiting === 0 && (await deps.state.list(stateKeys.homeSetsFinishedPrefix())).length === 0) break;
      sim.control.advance(TICK_MS);
    }
    const byPerson = new Map<string, number[]>();
    for (const { userId, at } of published) byPerson.set(userId, [...(byPerson.get(userId) ?? []), at]);
    const publishedAt = published.map((p) => p.at);
    const perPerson = Math.max(...[...byPerson.values()].map(busiestMinute));
    say(
      `1,000 runs finishing over 10 min for 300 people with an open Home (${opens} opens first): ${publishedAt.length} views.publish (${byPerson.size} people), the last ${((lastPublish - start) / 60_000).toFixed(1)} min after the first finish; busiest minute ${busiestMinute(publishedAt)} (limit ${PUBLISHES_PER_MINUTE}); one person's busiest minute ${perPerson}; refused ${stub.refused.length}`,
    );
  } finally {
    await close();
  }
}

export async function runHomeBench(say: Say): Promise<void> {
  renderFigures(say);
  await openFigures(say);
  await finishFigures(say);
}
