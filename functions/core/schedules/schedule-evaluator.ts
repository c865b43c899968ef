/**
 * The schedules' clock where there is no EventBridge Scheduler (`simwatch serve`): each look
 * finds, for every schedule, the latest time it was due at within the last hour (and since it
 * was saved), and hands that time to the bus as `Scheduled Run Due` unless it was handed over
 * already. A time missed while nothing was running is therefore run once at the next start if
 * it is less than an hour old, and never if older; only the latest missed time runs.
 *
 * Once per schedule per due time, across kills and restarts: the marker is written only after
 * the bus accepted the event, so a process killed in between hands it over again, and the
 * consumer's command record (keyed by schedule and due time, scheduled-runs.ts) is the claim
 * that makes the second delivery a no-op.
 */
import type { ScheduledRunDueDetail } from "../events.js";
import { errorFields, type Logger } from "../log.js";
import type { Clock, EventBus, StateStore } from "../ports.js";
import { cronOf } from "./schedule-grammar.js";
import { latestDue } from "./schedule-times.js";
import { LATE_AFTER_MS } from "./scheduled-runs.js";
import { listSchedules } from "./schedules.js";
import { dueId, type Schedule } from "./schedule.js";
import { stateKeys } from "../idempotency/state-keys.js";

export interface ScheduleEvaluatorDeps {
  state: StateStore;
  bus: EventBus;
  clock: Clock;
  log: Logger;
}

function dueTime(schedule: Schedule, now: Date): Date | undefined {
  const since = Math.max(now.getTime() - LATE_AFTER_MS, Date.parse(schedule.savedAt) || 0);
  return latestDue(cronOf(schedule.when), schedule.timeZone, now, new Date(since));
}

/** One look at every schedule; returns the due times handed to the bus. */
export async function publishDueSchedules(deps: ScheduleEvaluatorDeps): Promise<ScheduledRunDueDetail[]> {
  const now = deps.clock.now();
  const published: ScheduledRunDueDetail[] = [];
  for (const schedule of await listSchedules(deps.state)) {
    try {
      const due = dueTime(schedule, now);
      if (!due) continue;
      const dueAt = due.toISOString();
      const marker = stateKeys.scheduleDueSent(schedule.scheduleId, dueId(dueAt));
      if (await deps.state.get(marker)) continue;
      const detail: ScheduledRunDueDetail = { scheduleId: schedule.scheduleId, setId: schedule.setId, channelId: schedule.channelId, owner: schedule.owner, dueAt };
      await deps.bus.publish([{ detailType: "Scheduled Run Due", detail }]);
      await deps.state.create(marker, { dueAt, publishedAt: deps.clock.now().toISOString() });
      deps.log.info("schedule.due_published", { scheduleId: schedule.scheduleId, dueAt });
      published.push(detail);
    } catch (error) {
      // One schedule's trouble (a bad record, a failed publish) never holds up the others; the next look retries it.
      deps.log.warn("schedule.due_failed", { scheduleId: schedule.scheduleId, ...errorFields(error) });
    }
  }
  return published;
}
