/**
 * Fast follow's pace against Amigo's list-runs limit, with 1 and 1,000 runs in progress: the
 * Lambda poller as deployed (invoked every minute, 55 s timeout, following inside each
 * invocation with functions/core/poller/follow.ts), over fifteen minutes of virtual time. The sleeps
 * between ticks and the invocation's time left run on the simulator's manual clock; the
 * ticks themselves are real (pollOnce over loopback HTTP, filesystem state), and the time
 * each tick really takes is added to the virtual clock too.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAmigoClient } from "../functions/amigo/index.js";
import { FileSystemStateStore } from "../functions/archive/fs-state-store.js";
import { InProcessBus } from "../functions/bus/in-process-bus.js";
import { follow, LIST_RUNS_PER_MINUTE } from "../functions/core/poller/follow.js";
import { silentLogger } from "../functions/core/log.js";
import { pollOnce } from "../functions/core/poller/poll.js";
import { readWatchlist } from "../functions/core/poller/watchlist.js";
import { startSimulator } from "../functions/local/simulator/index.js";
import { busiestMinute, type Say } from "./figures.js";

const MINUTE = 60_000;
/** The poller function's timeout in the stack, and its schedule. */
const INVOCATION_TIMEOUT_MS = 55_000;
const FOLLOW_INTERVAL_MS = 10_000;
const MINUTES = 15;

async function paceWith(say: Say, runs: number, finishAfterMinutes?: number): Promise<void> {
  const sim = await startSimulator({ clock: "manual", rateLimits: true, startTime: new Date(Math.ceil(Date.now() / MINUTE) * MINUTE) });
  const root = await mkdtemp(join(tmpdir(), "simwatch-bench-follow-"));
  // The client's own limiter keeps real time, which stands still here: the simulator's limiter
  // (on simulator time) is what would answer 429, and none came means the pacing kept inside.
  const amigo = createAmigoClient({ baseUrl: sim.url, credentials: sim.credentials, clock: sim.control.clock, rateLimitShare: false });
  const state = new FileSystemStateStore({ root });
  const bus = new InProcessBus({ log: silentLogger });
  const clock = sim.control.clock;
  const tickStarts: number[] = [];
  const tick = async () => {
    tickStarts.push(clock.nowMs());
    const started = performance.now();
    const report = await pollOnce({ amigo, state, bus, clock, logger: silentLogger, giveUpAfterHours: 48 });
    clock.advance(Math.round(performance.now() - started));
    return report;
  };
  try {
    const sets = sim.control.sets();
    for (let i = 0; i < runs; i++) sim.control.createRun({ set: sets[i % sets.length]?.id ?? "", creator: `bench-user-${i}`, outcome: { durationMs: (finishAfterMinutes ?? 120) * MINUTE } });
    const start = clock.nowMs();
    let failed = 0;
    for (let minute = 0; minute < MINUTES; minute++) {
      const invokedAt = start + minute * MINUTE;
      if (clock.nowMs() < invokedAt) clock.advance(invokedAt - clock.nowMs());
      // An invocation that fails (a 429 the client gave up on) ends, as a Lambda error would.
      await follow(tick, {
        followIntervalMs: FOLLOW_INTERVAL_MS,
        lastTick: async () => {
          const last = (await readWatchlist(state))?.lastTick;
          return last ? { atMs: Date.parse(last.at), listRunsCalls: last.listRunsCalls } : undefined;
        },
        nowMs: () => clock.nowMs(),
        remainingMs: () => invokedAt + INVOCATION_TIMEOUT_MS - clock.nowMs(),
        nextInvocationInMs: () => invokedAt + MINUTE - clock.nowMs(),
        sleep: async (ms) => clock.advance(ms),
      }).catch(() => failed++);
    }
    const end = Math.max(clock.nowMs(), start + MINUTES * MINUTE);
    const listRuns = sim.control.requests("listRuns").map((request) => Date.parse(request.at));
    const limited = sim.control.requests().filter((request) => request.status === 429).length;
    const perMinute = (listRuns.length * MINUTE) / (end - start);
    const ticks = tickStarts.length;
    const busiest = busiestMinute(listRuns);
    const share = (count: number) => `${((100 * count) / LIST_RUNS_PER_MINUTE).toFixed(0)}%`;
    const closest = Math.min(...tickStarts.slice(1).map((at, index) => at - (tickStarts[index] ?? 0)));
    say(
      `  ${String(runs).padStart(5)} in progress${finishAfterMinutes === undefined ? "" : `, all finishing after ${finishAfterMinutes} min`}: list-runs calls ${perMinute.toFixed(1)} a minute on average (${share(perMinute)} of the limit of ${LIST_RUNS_PER_MINUTE}), ` +
        `${busiest} in the busiest sliding minute (${share(busiest)}); ${ticks} ticks in ${MINUTES} invocations (${(ticks / MINUTES).toFixed(1)} a minute), the closest two ${(closest / 1000).toFixed(1)} s apart; HTTP 429: ${limited}${failed > 0 ? ` (${failed} invocation(s) failed on them)` : ""}`,
    );
  } finally {
    await bus.close();
    await sim.close();
    await rm(root, { recursive: true, force: true });
  }
}

export async function runFollowPacingBench(say: Say): Promise<void> {
  say(
    `Fast follow pace: the Lambda poller as deployed (invoked every minute, ${INVOCATION_TIMEOUT_MS / 1000} s timeout, FOLLOW_INTERVAL_SECONDS ${FOLLOW_INTERVAL_MS / 1000}), ` +
      `${MINUTES} minutes of virtual time (sleeps on the simulator's manual clock, ticks real; simulator rate limits on):`,
  );
  for (const runs of [1, 1_000]) await paceWith(say, runs);
  // A mass finish: the finishing tick also fetches every run by id and each set's history.
  await paceWith(say, 1_000, 5);
}
