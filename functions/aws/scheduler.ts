/**
 * ScheduleTimers on EventBridge Scheduler: one schedule per simwatch schedule, named by its
 * scheduleId, in the stack's schedule group. Its target puts `Scheduled Run Due` on the bus,
 * the time it was due at filled in by Scheduler itself (`<aws.scheduler.scheduled-time>`).
 *
 * Signed REST-JSON calls (sigv4.ts) instead of @aws-sdk/client-scheduler: three operations,
 * no new dependency, and the command worker's bundle stays as small as the other functions'.
 */
import { type AwsCredentials, AwsRequestError, awsRestJsonCall, credentialsFromEnv, endpointFor, regionFromEnv, withAwsRetries } from "./sigv4.js";
import type { Config } from "../core/config.js";
import { EVENT_SOURCE, type ScheduledRunDueDetail } from "../core/events.js";
import type { ScheduleTimers } from "../core/ports.js";
import { awsCron } from "../core/schedules/cron.js";
import { cronOf } from "../core/schedules/schedule-grammar.js";
import { describeSchedule, type Schedule } from "../core/schedules/schedule.js";

export interface SchedulerTimersOptions {
  groupName: string;
  /** The role Scheduler assumes to put the event on the bus (and to its dead-letter queue). */
  roleArn: string;
  busArn: string;
  deadLetterQueueArn?: string;
  region?: string;
  credentials?: AwsCredentials;
  endpoint?: URL;
  fetch?: typeof fetch;
}

/** Scheduler's placeholder for the time an invocation was scheduled for (ISO 8601). */
export const SCHEDULED_TIME = "<aws.scheduler.scheduled-time>";

/** A due time older than this is not worth delivering (the consumer drops it anyway). */
const MAX_EVENT_AGE_SECONDS = 3600;

/** The CreateSchedule / UpdateSchedule body for a simwatch schedule. */
export function scheduleDefinition(schedule: Schedule, options: Pick<SchedulerTimersOptions, "groupName" | "roleArn" | "busArn" | "deadLetterQueueArn">) {
  const detail: ScheduledRunDueDetail = {
    scheduleId: schedule.scheduleId,
    setId: schedule.setId,
    channelId: schedule.channelId,
    owner: schedule.owner,
    dueAt: SCHEDULED_TIME,
  };
  return {
    GroupName: options.groupName,
    Description: `simwatch: ${schedule.setName} ${describeSchedule(schedule)}, in ${schedule.channelId}`.slice(0, 512),
    ScheduleExpression: awsCron(cronOf(schedule.when)),
    ScheduleExpressionTimezone: schedule.timeZone,
    FlexibleTimeWindow: { Mode: "OFF" },
    State: "ENABLED",
    Target: {
      Arn: options.busArn,
      RoleArn: options.roleArn,
      Input: JSON.stringify(detail),
      EventBridgeParameters: { Source: EVENT_SOURCE, DetailType: "Scheduled Run Due" },
      RetryPolicy: { MaximumEventAgeInSeconds: MAX_EVENT_AGE_SECONDS, MaximumRetryAttempts: 10 },
      ...(options.deadLetterQueueArn ? { DeadLetterConfig: { Arn: options.deadLetterQueueArn } } : {}),
    },
  };
}

export function schedulerTimers(options: SchedulerTimersOptions): ScheduleTimers {
  const region = options.region ?? regionFromEnv();
  const endpoint = options.endpoint ?? endpointFor("Scheduler", `scheduler.${region}.amazonaws.com`);
  const call = <T>(method: "POST" | "PUT" | "DELETE", scheduleId: string, extra: { body?: unknown; query?: Record<string, string> }) =>
    withAwsRetries(() =>
      awsRestJsonCall<T>({
        service: "scheduler",
        method,
        endpoint,
        path: `/schedules/${encodeURIComponent(scheduleId)}`,
        region,
        // Read per call: Lambda's role credentials are in the environment and may be refreshed.
        credentials: options.credentials ?? credentialsFromEnv(),
        ...extra,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }),
    );
  return {
    async put(schedule) {
      const body = scheduleDefinition(schedule, options);
      try {
        await call("POST", schedule.scheduleId, { body });
      } catch (error) {
        // It exists (an earlier version, or an earlier attempt of this one): make it this version.
        if (!(error instanceof AwsRequestError && error.code === "ConflictException")) throw error;
        await call("PUT", schedule.scheduleId, { body });
      }
    },
    async remove(scheduleId) {
      try {
        await call("DELETE", scheduleId, { query: { groupName: options.groupName } });
      } catch (error) {
        if (!(error instanceof AwsRequestError && error.code === "ResourceNotFoundException")) throw error;
      }
    },
  };
}

/** EventBridge Scheduler when the stack configured it (SCHEDULE_GROUP_NAME); otherwise none. */
export function schedulerTimersFromConfig(config: Config): ScheduleTimers | undefined {
  const { SCHEDULE_GROUP_NAME: groupName, SCHEDULER_ROLE_ARN: roleArn, EVENT_BUS_ARN: busArn, SCHEDULE_DEAD_LETTER_ARN: deadLetterQueueArn } = config;
  if (!groupName || !roleArn || !busArn) return undefined;
  return schedulerTimers({ groupName, roleArn, busArn, ...(deadLetterQueueArn ? { deadLetterQueueArn } : {}) });
}
