/**
 * The EventBridge Scheduler client against a stand-in of the Scheduler API on loopback, and the
 * whole path in AWS: /sim schedule puts the schedule, the schedule fires, its event is decoded
 * as the command worker's Lambda receives it, and the run starts.
 */
import { describe, expect, it } from "vitest";
import { AwsRequestError } from "../../functions/aws/sigv4.js";
import { schedulerTimers, type SchedulerTimersOptions } from "../../functions/aws/scheduler.js";
import { decodeEventOf } from "../../functions/bus/decode.js";
import { parseCommand } from "../../functions/core/commands/commands.js";
import { listSchedules } from "../../functions/core/schedules/schedules.js";
import { type Schedule, scheduleIdOf } from "../../functions/core/schedules/schedule.js";
import { useFixture } from "../support/fixture.js";
import { MemoryStateStore } from "../support/memory-state-store.js";
import { SchedulerStub } from "../support/scheduler-stub.js";
import { useSlackStub } from "../support/slack-stub.js";
import { useSimulator } from "../support/simulator.js";
import { testWorker } from "../support/test-worker.js";

const GROUP = "simwatch-runs";
const options = (stub: Pick<SchedulerStub, "endpoint">): SchedulerTimersOptions => ({
  groupName: GROUP,
  roleArn: "arn:aws:iam::123456789012:role/simwatch-scheduler",
  busArn: "arn:aws:events:us-east-1:123456789012:event-bus/simwatch",
  deadLetterQueueArn: "arn:aws:sqs:us-east-1:123456789012:simwatch-schedule-dlq",
  region: "us-east-1",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret-example", sessionToken: "token-example" },
  endpoint: new URL(stub.endpoint),
});

const schedule = (overrides: Partial<Schedule> = {}): Schedule => ({
  scheduleId: scheduleIdOf("695b7d904226fdec9400001f", "C0TEAM"),
  setId: "695b7d904226fdec9400001f",
  setName: "Checkout flows",
  channelId: "C0TEAM",
  owner: "U0ALICE",
  when: { kind: "weekdays", time: "09:00" },
  timeZone: "Europe/Berlin",
  savedAt: "2026-04-01T12:00:00.000Z",
  ...overrides,
});

const scheduler = useFixture("SchedulerStub", () => SchedulerStub.start(), (stub) => stub.reset());

describe("EventBridge Scheduler timers", () => {
  it("create one schedule in the group, signed for Scheduler, whose target puts Scheduled Run Due on the bus", async () => {
    const s = schedule();
    await schedulerTimers(options(scheduler)).put(s);
    const created = scheduler.schedule(GROUP, s.scheduleId);
    expect(created).toMatchObject({
      ScheduleExpression: "cron(0 9 ? * 2-6 *)",
      ScheduleExpressionTimezone: "Europe/Berlin",
      FlexibleTimeWindow: { Mode: "OFF" },
      State: "ENABLED",
      Target: {
        Arn: "arn:aws:events:us-east-1:123456789012:event-bus/simwatch",
        RoleArn: "arn:aws:iam::123456789012:role/simwatch-scheduler",
        EventBridgeParameters: { Source: "simwatch", DetailType: "Scheduled Run Due" },
        RetryPolicy: { MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: "arn:aws:sqs:us-east-1:123456789012:simwatch-schedule-dlq" },
      },
    });
    expect(JSON.parse(created!.Target.Input!)).toEqual({
      scheduleId: s.scheduleId,
      setId: s.setId,
      channelId: "C0TEAM",
      owner: "U0ALICE",
      dueAt: "<aws.scheduler.scheduled-time>",
    });
    expect(scheduler.calls).toEqual([expect.objectContaining({ method: "POST", name: s.scheduleId, groupName: GROUP, status: 200 })]);
    expect(scheduler.calls[0]!.authorization).toContain("/us-east-1/scheduler/aws4_request");
  });

  it("update the schedule when it exists already (a changed schedule, or a repeated put)", async () => {
    const timers = schedulerTimers(options(scheduler));
    await timers.put(schedule());
    await timers.put(schedule({ when: { kind: "every-hours", hours: 6 }, timeZone: "UTC" }));
    expect(scheduler.schedule(GROUP, schedule().scheduleId)).toMatchObject({ ScheduleExpression: "cron(0 0,6,12,18 * * ? *)", ScheduleExpressionTimezone: "UTC" });
    expect(scheduler.calls.map((c) => `${c.method} ${c.status}`)).toEqual(["POST 200", "POST 409", "PUT 200"]);
  });

  it("delete the schedule, and take one that is already gone as deleted", async () => {
    const timers = schedulerTimers(options(scheduler));
    await timers.put(schedule());
    await timers.remove(schedule().scheduleId);
    expect(scheduler.schedule(GROUP, schedule().scheduleId)).toBeUndefined();
    await timers.remove(schedule().scheduleId);
    expect(scheduler.calls.map((c) => `${c.method} ${c.status} ${c.groupName}`)).toEqual([`POST 200 ${GROUP}`, `DELETE 200 ${GROUP}`, `DELETE 404 ${GROUP}`]);
  });

  it("retry throttling and server errors, and report a refusal by its error type", async () => {
    const timers = schedulerTimers(options(scheduler));
    scheduler.failNext(1, "throttle");
    scheduler.failNext(1, "internal");
    await timers.put(schedule());
    expect(scheduler.calls.map((c) => c.status)).toEqual([429, 500, 200]);

    const refused = await timers.put(schedule({ timeZone: "Mars/Olympus" })).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AwsRequestError);
    expect(refused).toMatchObject({ status: 400, code: "ValidationException" });
  });
});

describe("a schedule in AWS, end to end", () => {
  const sim = useSimulator();
  const slack = useSlackStub();

  it("/sim schedule puts the Scheduler schedule; when it fires, its event starts the run in the channel", async () => {
    const state = new MemoryStateStore();
    const worker = testWorker({ sim, slack, state }, { timers: schedulerTimers(options(scheduler)) });
    const parsed = parseCommand("schedule Checkout flows weekdays 09:00 --tz Europe/Berlin");
    if (!parsed.ok) throw new Error(parsed.error);
    await worker.handle({ command: parsed.command, text: "/sim schedule ...", userId: "U0ALICE", channelId: "C0TEAM", requestId: "aws-schedule-1", responseUrl: slack.responseUrl("a") });
    const [saved] = await listSchedules(state);
    expect(scheduler.schedule(GROUP, saved!.scheduleId)).toBeDefined();

    const fired = scheduler.fire(GROUP, saved!.scheduleId, sim.control.now());
    const outcome = await worker.handleDue(decodeEventOf(fired, "Scheduled Run Due").detail);
    expect(outcome).toMatchObject({ status: "done", runId: expect.stringMatching(/^[0-9a-f]{24}$/) });
    expect(JSON.stringify(slack.topLevel("C0TEAM")[0]!.blocks)).toContain("<@U0ALICE>'s schedule");

    await worker.handle({ command: { verb: "unschedule", set: "Checkout flows" }, text: "/sim unschedule", userId: "U0ALICE", channelId: "C0TEAM", requestId: "aws-schedule-2" });
    expect(scheduler.schedule(GROUP, saved!.scheduleId)).toBeUndefined();
  });
});
