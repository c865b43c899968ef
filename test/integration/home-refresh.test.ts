/**
 * Homes kept fresh without asking: runs finishing refresh the Homes that show their sets and
 * were opened in the last 24 hours, at most once a minute per person and within the
 * views.publish rate, however many finish. Against the simulator (on its own clock, which the
 * drain's waits move on), the Slack stand-in and state in a folder.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { FileSystemStateStore } from "../../functions/archive/fs-state-store.js";
import type { SimwatchEvent } from "../../functions/core/events.js";
import { createHomeRefresh, type HomeRefresh, PUBLISHES_PER_MINUTE } from "../../functions/core/home/home-refresh.js";
import type { Homes } from "../../functions/core/home/homes.js";
import { deadlineIn } from "../../functions/core/util/deadline.js";
import { useSlackStub } from "../support/slack-stub.js";
import { useSimulator } from "../support/simulator.js";
import { homeParts } from "../support/home-parts.js";
import { useTempFolders } from "../support/temp-folders.js";

const sim = useSimulator();
const stub = useSlackStub();
const tempFolder = useTempFolders("simwatch-home-refresh-");
let state: FileSystemStateStore;
let homes: Homes;
let refresh: HomeRefresh;
let handedOn: SimwatchEvent[];
/** views.publish calls, with the simulated time each was made at. */
let publishedAt: { userId: string; at: number }[];

beforeEach(async () => {
  state = new FileSystemStateStore({ root: await tempFolder() });
  handedOn = [];
  const parts = homeParts(sim, stub, state);
  const { deps } = parts;
  homes = parts.homes;
  publishedAt = parts.published;
  // A drain's waits move the simulated clock on: its minutes pass at once.
  refresh = createHomeRefresh({ ...deps, homes, bus: { publish: async (events) => void handedOn.push(...events) }, wait: async (ms) => sim.control.advance(ms) });
});

const setId = (name: string) => sim.control.sets().find((set) => set.name === name)?.id ?? "";
const finish = (name: string) => sim.control.createRun({ set: name, createdAt: new Date(sim.control.now().getTime() - 60_000), outcome: { durationMs: 1_000 } });
const open = (userId: string) => homes.opened({ userId, eventId: `Ev-${userId}-${Math.random()}`, openedAt: sim.control.now().toISOString() });

describe("Homes refreshed when runs finish", () => {
  it("republishes the Homes that show the set and were opened in the last 24 hours, with the finished run", async () => {
    finish("Checkout flows");
    finish("Billing disputes");
    await open("U0OLD");
    sim.control.advance(25 * 3600_000);
    finish("Checkout flows");
    await open("U0ALICE");
    sim.control.advance(2 * 60_000);
    const run = finish("Checkout flows");
    publishedAt.length = 0;
    const report = await refresh.runFinished(setId("Checkout flows"));
    expect(report).toMatchObject({ status: "drained", published: 1, waiting: 0 });
    expect(publishedAt.map((p) => p.userId)).toEqual(["U0ALICE"]);
    expect(JSON.stringify(stub.homes.get("U0ALICE")?.blocks)).toContain(`latest passed`);
    expect(sim.control.getRun(run)?.is_completed).toBe(true);
  });

  it("does not refresh a Home that does not show the set", async () => {
    finish("Checkout flows");
    await open("U0ALICE");
    sim.control.advance(2 * 60_000);
    sim.control.addSet({ name: "Brand new set", unitTests: [{ name: "T", criteria: [{ name: "Resolved", metric: "Task completion", criterion: { type: "boolean", expected_value: true } }] }] });
    finish("Brand new set");
    publishedAt.length = 0;
    await refresh.runFinished(setId("Brand new set"));
    expect(publishedAt).toEqual([]);
  });

  it("turns a burst of finishes into at most one publication a minute per person", async () => {
    for (const name of ["Checkout flows", "Billing disputes"]) finish(name);
    await Promise.all(["U0A", "U0B", "U0C"].map(open));
    const openedAt = sim.control.now().getTime();
    publishedAt.length = 0;
    // 40 finishes in 200 seconds, each drain given too little time to wait for anyone's minute.
    for (let i = 0; i < 40; i++) {
      const name = i % 2 ? "Checkout flows" : "Billing disputes";
      finish(name);
      await refresh.runFinished(setId(name), { deadline: deadlineIn(8_000, () => sim.control.now().getTime()) });
      sim.control.advance(5_000);
    }
    for (const userId of ["U0A", "U0B", "U0C"]) {
      const times = [openedAt, ...publishedAt.filter((p) => p.userId === userId).map((p) => p.at)];
      expect(times.length).toBeGreaterThanOrEqual(3);
      expect(times.length).toBeLessThanOrEqual(5);
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(60_000);
    }
    expect(stub.refused).toEqual([]);
  });

  it(`publishes at most ${PUBLISHES_PER_MINUTE} Homes a minute, and hands on what its time does not allow`, async () => {
    finish("Checkout flows");
    const people = Array.from({ length: 150 }, (_, i) => `U0P${i}`);
    for (const userId of people) await open(userId);
    sim.control.advance(2 * 60_000);
    finish("Checkout flows");
    publishedAt.length = 0;
    const report = await refresh.runFinished(setId("Checkout flows"), { deadline: deadlineIn(30_000, () => sim.control.now().getTime()) });
    expect(report).toMatchObject({ status: "drained", handedOn: true });
    expect(handedOn.map((e) => e.detailType)).toEqual(["Home Refresh Due"]);
    const rest = await refresh.drain();
    expect(rest).toMatchObject({ status: "drained", waiting: 0 });
    expect(new Set(publishedAt.map((p) => p.userId)).size).toBe(150);
    for (const { at } of publishedAt) expect(publishedAt.filter((p) => p.at > at - 60_000 && p.at <= at).length).toBeLessThanOrEqual(PUBLISHES_PER_MINUTE);
  });
});
