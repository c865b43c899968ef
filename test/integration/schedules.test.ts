/**
 * /sim schedule, /sim schedules, /sim unschedule and `Scheduled Run Due`, through the command
 * worker against the simulator (Amigo) and the Slack stand-in; the timers are a recording port
 * here (the EventBridge Scheduler client has its own test against a Scheduler stand-in).
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { Command } from "../../functions/core/commands/commands.js";
import type { CommandAcceptedDetail, ScheduledRunDueDetail } from "../../functions/core/events.js";
import type { ClaimOwner, ScheduleTimers } from "../../functions/core/ports.js";
import { parseCommand } from "../../functions/core/commands/commands.js";
import { accessPolicy } from "../../functions/core/commands/access.js";
import { parseConfig } from "../../functions/core/config.js";
import { listSchedules } from "../../functions/core/schedules/schedules.js";
import type { Schedule } from "../../functions/core/schedules/schedule.js";
import { killable, killSwitch, ProcessKilled } from "../support/kill-switch.js";
import { MemoryStateStore } from "../support/memory-state-store.js";
import { useSlackStub } from "../support/slack-stub.js";
import { useSimulator } from "../support/simulator.js";
import { testWorker } from "../support/test-worker.js";

const sim = useSimulator();
const stub = useSlackStub();
let state: MemoryStateStore;
let timers: RecordingTimers;
let counter = 0;

class RecordingTimers implements ScheduleTimers {
  readonly live = new Map<string, Schedule>();
  readonly calls: string[] = [];
  async put(schedule: Schedule) {
    this.calls.push(`put ${schedule.scheduleId}`);
    this.live.set(schedule.scheduleId, schedule);
  }
  async remove(scheduleId: string) {
    this.calls.push(`remove ${scheduleId}`);
    this.live.delete(scheduleId);
  }
}

beforeEach(() => {
  state = new MemoryStateStore();
  timers = new RecordingTimers();
  sim.control.advance(60 * 60_000); // earlier runs are finished
});

function worker(options: { owner?: ClaimOwner; allowed?: Record<string, string> } = {}) {
  return testWorker(
    { sim, slack: stub, state },
    {
      timers,
      ...(options.owner ? { owner: options.owner } : {}),
      ...(options.allowed ? { access: accessPolicy(parseConfig({ SLACK_API_URL: stub.apiUrl, ...options.allowed })) } : {}),
    },
  );
}

function typed(text: string, extra: Partial<CommandAcceptedDetail> = {}): CommandAcceptedDetail {
  const parsed = parseCommand(text);
  if (!parsed.ok) throw new Error(parsed.error);
  counter += 1;
  return { command: parsed.command as Command, text: `/sim ${text}`, userId: "U0ALICE", channelId: "C0TEAM", responseUrl: stub.responseUrl(`s${counter}`), requestId: `sched-${counter}`, ...extra };
}

const lastAnswer = () => {
  const response = stub.responses.at(-1);
  return `${response?.body.text ?? ""}\n${JSON.stringify(response?.body.blocks ?? [])}`;
};

async function scheduleNow(text: string): Promise<Schedule> {
  await worker().handle(typed(text));
  const [saved] = await listSchedules(state, "C0TEAM");
  if (!saved) throw new Error(`no schedule after "${text}": ${lastAnswer()}`);
  return saved;
}

const due = (schedule: Schedule, dueAt = sim.control.now().toISOString()): ScheduledRunDueDetail => ({
  scheduleId: schedule.scheduleId,
  setId: schedule.setId,
  channelId: schedule.channelId,
  owner: schedule.owner,
  dueAt,
});

const runsOf = (setId: string) => sim.control.runIds().filter((id) => sim.control.getRun(id)?.simulation_unit_test_set_id === setId);

describe("/sim schedule, schedules, unschedule", () => {
  it("saves the schedule, puts its timer, and names the next run time and the default time zone", async () => {
    // Simulator time is 2026-04-01 12:00 UTC plus an hour per test: the next 09:00 is tomorrow's.
    const schedule = await scheduleNow("schedule Checkout flows daily 09:00");
    expect(schedule).toMatchObject({ setName: "Checkout flows", channelId: "C0TEAM", owner: "U0ALICE", timeZone: "UTC", when: { kind: "daily", time: "09:00" } });
    expect(timers.live.get(schedule.scheduleId)).toEqual(schedule);
    const answer = lastAnswer();
    expect(answer).toContain("now runs every day at 09:00, UTC time");
    expect(answer).toMatch(/Next run: \*\w{3} \d+ \w{3} 2026, 09:00\* \(UTC\)/);
    expect(answer).toContain("Times are UTC; add");
  });

  it("replaces the channel's schedule of a set, and lists the channel's schedules with their next times", async () => {
    await scheduleNow("schedule Checkout flows daily 09:00");
    await worker().handle(typed("schedule checkout flows weekdays 17:30 --tz Europe/Berlin"));
    expect(lastAnswer()).toContain("replaces the channel's earlier schedule of this set (every day at 09:00, UTC time)");
    expect(lastAnswer()).not.toContain("Times are UTC");
    await worker().handle(typed("schedule Billing disputes hourly"));
    await worker().handle(typed("schedule Refund edge cases daily 08:00", { channelId: "C0OTHER" }));

    await worker().handle(typed("schedules"));
    const listing = lastAnswer();
    expect(listing).toContain("Billing disputes* every hour, on the hour, UTC time; next");
    expect(listing).toContain("Checkout flows* every weekday (Mon-Fri) at 17:30, Europe/Berlin time; next");
    expect(listing).not.toContain("Refund edge cases");
    // Soonest first: the hourly one.
    expect(listing.indexOf("Billing disputes")).toBeLessThan(listing.indexOf("Checkout flows"));
    expect(await listSchedules(state, "C0TEAM")).toHaveLength(2);
  });

  it("unschedules by name: the schedule and its timer are gone", async () => {
    const schedule = await scheduleNow("schedule Checkout flows daily 09:00");
    await worker().handle(typed("unschedule CHECKOUT FLOWS"));
    expect(lastAnswer()).toContain("schedule of *Checkout flows* (every day at 09:00, UTC time) is removed");
    expect(await listSchedules(state)).toEqual([]);
    expect(timers.live.has(schedule.scheduleId)).toBe(false);
    await worker().handle(typed("unschedule Checkout flows"));
    expect(lastAnswer()).toContain("This channel has no schedule of *Checkout flows*");
  });

  it("answers a set that does not exist and schedules nothing", async () => {
    await worker().handle(typed("schedule Checkout flowz daily 09:00"));
    expect(lastAnswer()).toContain("There is no set named “Checkout flowz”");
    expect(await listSchedules(state)).toEqual([]);
    expect(timers.calls).toEqual([]);
  });

  it("resumes a schedule command whose worker was killed after putting the timer: saved once, timer put once", async () => {
    const kill = killSwitch();
    const detail = typed("schedule Checkout flows daily 09:00");
    const dying = testWorker(
      { sim, slack: stub, state: killable(state, kill) },
      { timers: killable<ScheduleTimers>(timers, kill, { put: () => true }), owner: { id: "w1", isGone: () => false } },
    );
    await expect(dying.handle(detail)).rejects.toBeInstanceOf(ProcessKilled);
    expect(await listSchedules(state)).toEqual([]);

    sim.control.advance(5 * 60_000); // the dead worker's claim expires
    const outcome = await worker().handle(detail);
    expect(outcome.status).toBe("done");
    expect(await listSchedules(state)).toHaveLength(1);
    // The kill came before the step was recorded, so the timer was put again: putting is idempotent.
    const [saved] = await listSchedules(state);
    expect(new Set(timers.calls)).toEqual(new Set([`put ${saved!.scheduleId}`]));
    expect(timers.live.get(saved!.scheduleId)).toEqual(saved);
    expect(stub.responses).toHaveLength(1);
  });
});

describe("Scheduled Run Due", () => {
  it("starts the run as the owner's /sim run in the schedule's channel, announced as scheduled, once per due time", async () => {
    const schedule = await scheduleNow("schedule Checkout flows weekdays 09:00 --tz Europe/Berlin");
    stub.reset();
    const before = runsOf(schedule.setId).length;
    const detail = due(schedule);
    const outcome = await worker().handleDue(detail);
    expect(outcome).toMatchObject({ status: "done", runId: expect.stringMatching(/^[0-9a-f]{24}$/) });

    const [announcement] = stub.topLevel("C0TEAM");
    expect(stub.topLevel("C0TEAM")).toHaveLength(1);
    expect(JSON.stringify(announcement!.blocks)).toContain("<@U0ALICE>'s schedule (every weekday (Mon-Fri) at 09:00, Europe/Berlin time)");
    expect(stub.responses).toEqual([]);

    // The same time again (a redelivery, or a restarted serve): nothing more.
    expect(await worker().handleDue(detail)).toEqual({ status: "duplicate" });
    expect(runsOf(schedule.setId).length).toBe(before + 1);
    expect(stub.topLevel("C0TEAM")).toHaveLength(1);
  });

  it("skips a time while the set's previous run is unfinished and tells the channel once, naming that run", async () => {
    const schedule = await scheduleNow("schedule Billing disputes hourly");
    stub.reset();
    // An unfinished run of the set by simwatch's Amigo user: Amigo answers 409 to another.
    const blocker = sim.control.createRun({ set: "Billing disputes", outcome: { durationMs: 10 * 60 * 60_000 } });
    const before = runsOf(schedule.setId).length;

    const skipped = await worker().handleDue(due(schedule));
    expect(skipped).toMatchObject({ status: "done" });
    expect("runId" in skipped ? skipped.runId : undefined).toBeUndefined();
    const [told] = stub.topLevel("C0TEAM");
    expect(stub.topLevel("C0TEAM")).toHaveLength(1);
    expect(JSON.stringify(told!.blocks)).toContain(blocker);
    expect(JSON.stringify(told!.blocks)).toContain("was skipped");

    // The next time, still blocked by the same run: skipped without another message.
    sim.control.advance(60 * 60_000);
    await worker().handleDue(due(schedule));
    expect(stub.topLevel("C0TEAM")).toHaveLength(1);
    expect(runsOf(schedule.setId).length).toBe(before);
    sim.control.cancelRun(blocker);
  });

  it("starts nothing when the schedule's owner may no longer start runs, and tells the channel", async () => {
    const schedule = await scheduleNow("schedule Checkout flows daily 09:00");
    stub.reset();
    const before = sim.control.runIds().length;
    const outcome = await worker({ allowed: { SLACK_ALLOWED_USERS: "U0BOB" } }).handleDue(due(schedule));
    expect(outcome).toMatchObject({ status: "refused" });
    expect(sim.control.runIds().length).toBe(before);
    const [told] = stub.topLevel("C0TEAM");
    expect(JSON.stringify(told!.blocks)).toContain("did not start");
    expect(JSON.stringify(told!.blocks)).toContain("<@U0BOB>");
  });

  it("does nothing for a schedule that was removed, or a time delivered more than an hour late", async () => {
    const schedule = await scheduleNow("schedule Onboarding happy path daily 09:00");
    const before = sim.control.runIds().length;
    const late = due(schedule, new Date(sim.control.now().getTime() - 61 * 60_000).toISOString());
    expect(await worker().handleDue(late)).toEqual({ status: "skipped", reason: "late" });
    await worker().handle(typed("unschedule Onboarding happy path"));
    expect(await worker().handleDue(due(schedule))).toEqual({ status: "skipped", reason: "gone" });
    expect(sim.control.runIds().length).toBe(before);
  });
});
