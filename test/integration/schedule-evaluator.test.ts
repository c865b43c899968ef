/**
 * serve's schedule clock (publishDueSchedules) on a controlled clock: which due times it hands
 * to the bus, what a stop and restart around a due time does, and that a look killed between
 * handing the time over and recording it still starts one run (the consumer's command record
 * is the claim per schedule and due time).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ScheduledRunDueDetail, SimwatchEvent } from "../../functions/core/events.js";
import { silentLogger } from "../../functions/core/log.js";
import type { Clock, EventBus, StateStore } from "../../functions/core/ports.js";
import { publishDueSchedules } from "../../functions/core/schedules/schedule-evaluator.js";
import { saveSchedule } from "../../functions/core/schedules/schedules.js";
import { type Schedule, scheduleIdOf } from "../../functions/core/schedules/schedule.js";
import type { When } from "../../functions/core/schedules/schedule-grammar.js";
import { killable, killSwitch } from "../support/kill-switch.js";
import { MemoryStateStore } from "../support/memory-state-store.js";
import { useSlackStub } from "../support/slack-stub.js";
import { useSimulator } from "../support/simulator.js";
import { testWorker } from "../support/test-worker.js";

class RecordingBus implements EventBus {
  readonly due: ScheduledRunDueDetail[] = [];
  async publish(events: readonly SimwatchEvent[]) {
    for (const event of events) if (event.detailType === "Scheduled Run Due") this.due.push(event.detail);
  }
}

let now = new Date("2026-04-01T08:00:00Z");
const clock: Clock = { now: () => now };
const at = (iso: string) => {
  now = new Date(iso);
};

let state: MemoryStateStore;
let bus: RecordingBus;
beforeEach(() => {
  state = new MemoryStateStore();
  bus = new RecordingBus();
});

async function scheduled(when: When, savedAt: string, timeZone = "UTC"): Promise<Schedule> {
  const setId = "695b7d904226fdec9400001f";
  const schedule: Schedule = { scheduleId: scheduleIdOf(setId, "C0TEAM"), setId, setName: "Checkout flows", channelId: "C0TEAM", owner: "U0ALICE", when, timeZone, savedAt };
  await saveSchedule(state, schedule);
  return schedule;
}

const look = (s: StateStore = state, b: EventBus = bus) => publishDueSchedules({ state: s, bus: b, clock, log: silentLogger });
const dueTimes = () => bus.due.map((d) => d.dueAt);

describe("serve's schedule clock", () => {
  it("hands each due time to the bus once, as Scheduled Run Due with the schedule's fields", async () => {
    const schedule = await scheduled({ kind: "daily", time: "09:00" }, "2026-04-01T08:00:00Z");
    at("2026-04-01T08:59:50Z");
    await look();
    expect(bus.due).toEqual([]);
    at("2026-04-01T09:00:10Z");
    await look();
    at("2026-04-01T09:00:25Z");
    await look();
    expect(bus.due).toEqual([{ scheduleId: schedule.scheduleId, setId: schedule.setId, channelId: "C0TEAM", owner: "U0ALICE", dueAt: "2026-04-01T09:00:00.000Z" }]);
    at("2026-04-02T09:00:05Z");
    await look();
    expect(dueTimes()).toEqual(["2026-04-01T09:00:00.000Z", "2026-04-02T09:00:00.000Z"]);
  });

  it("follows the schedule's time zone", async () => {
    await scheduled({ kind: "weekdays", time: "09:00" }, "2026-04-01T00:00:00Z", "America/New_York");
    at("2026-04-01T09:00:30Z");
    await look();
    expect(bus.due).toEqual([]);
    at("2026-04-01T13:00:30Z"); // 09:00 EDT
    await look();
    expect(dueTimes()).toEqual(["2026-04-01T13:00:00.000Z"]);
  });

  it("runs a time missed while stopped once at start if it is less than an hour old, and never an older one", async () => {
    await scheduled({ kind: "daily", time: "09:00" }, "2026-04-01T08:00:00Z");
    at("2026-04-01T09:59:00Z"); // stopped from 08:50 to 09:59
    await look();
    expect(dueTimes()).toEqual(["2026-04-01T09:00:00.000Z"]);
    at("2026-04-02T10:01:00Z"); // stopped from the 1st at 10:00 to the 2nd at 10:01
    await look();
    expect(dueTimes()).toEqual(["2026-04-01T09:00:00.000Z"]);
  });

  it("runs only the latest of several missed times", async () => {
    await scheduled({ kind: "hourly" }, "2026-04-01T00:00:00Z");
    at("2026-04-01T09:00:10Z");
    await look();
    at("2026-04-01T11:40:00Z"); // stopped from 09:10: 10:00 and 11:00 were missed
    await look();
    expect(dueTimes()).toEqual(["2026-04-01T09:00:00.000Z", "2026-04-01T11:00:00.000Z"]);
  });

  it("never runs a time from before the schedule was saved", async () => {
    await scheduled({ kind: "daily", time: "09:00" }, "2026-04-01T09:30:00Z");
    at("2026-04-01T09:31:00Z");
    await look();
    expect(bus.due).toEqual([]);
  });

  it("keeps looking at the other schedules when one cannot be handed over", async () => {
    await scheduled({ kind: "daily", time: "09:00" }, "2026-04-01T08:00:00Z");
    const other: Schedule = { ...(await scheduled({ kind: "daily", time: "09:00" }, "2026-04-01T08:00:00Z")), channelId: "C0OTHER", scheduleId: scheduleIdOf("695b7d904226fdec9400001f", "C0OTHER") };
    await saveSchedule(state, other);
    at("2026-04-01T09:00:30Z");
    let first = true;
    const flaky: EventBus = {
      publish: async (events) => {
        if (first) {
          first = false;
          throw new Error("bus unavailable");
        }
        await bus.publish(events);
      },
    };
    expect(await look(state, flaky)).toHaveLength(1);
    expect(await look(state, flaky)).toHaveLength(1);
    expect(new Set(bus.due.map((d) => d.channelId))).toEqual(new Set(["C0TEAM", "C0OTHER"]));
  });
});

describe("a due time across a kill and restart of serve", () => {
  const sim = useSimulator();
  const slack = useSlackStub();

  it("starts one run when serve was killed after handing the time over and before recording it", async () => {
    const set = sim.control.sets().find((s) => s.name === "Refund edge cases")!;
    const setId = set.id;
    const schedule: Schedule = { scheduleId: scheduleIdOf(setId, "C0TEAM"), setId, setName: set.name, channelId: "C0TEAM", owner: "U0ALICE", when: { kind: "hourly" }, timeZone: "UTC", savedAt: "2026-04-01T00:00:00Z" };
    await saveSchedule(state, schedule);
    at(new Date(Date.parse("2026-04-01T12:00:00Z") + 20_000).toISOString());
    sim.control.advance(Date.parse(now.toISOString()) - sim.control.now().getTime());

    // The first serve: the bus accepts the event, then the process dies before the marker is written.
    const kill = killSwitch();
    await look(killable(state, kill), killable<EventBus>(bus, kill, { publish: () => true }));
    expect(kill.killed).toBe(true);
    // The restarted serve looks again and hands the same time over a second time.
    await look();
    expect(dueTimes()).toEqual(["2026-04-01T12:00:00.000Z", "2026-04-01T12:00:00.000Z"]);

    const worker = () => testWorker({ sim, slack, state });
    const before = sim.control.runIds().filter((id) => sim.control.getRun(id)?.simulation_unit_test_set_id === setId).length;
    const outcomes = [];
    for (const detail of bus.due) outcomes.push((await worker().handleDue(detail)).status);
    expect(outcomes).toEqual(["done", "duplicate"]);
    expect(sim.control.runIds().filter((id) => sim.control.getRun(id)?.simulation_unit_test_set_id === setId).length).toBe(before + 1);
    expect(slack.topLevel("C0TEAM")).toHaveLength(1);
    // And a third look finds the time recorded: nothing more.
    await look();
    expect(bus.due).toHaveLength(2);
  });
});
