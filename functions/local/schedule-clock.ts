/**
 * `simwatch serve`'s clock for schedules (there is no EventBridge Scheduler locally): a look at
 * every schedule when serve starts, so a time missed while it was down (by less than an hour)
 * runs once, and then every `everyMs`.
 */
import { errorFields } from "../core/log.js";
import { publishDueSchedules, type ScheduleEvaluatorDeps } from "../core/schedules/schedule-evaluator.js";

export const SCHEDULE_LOOK_MS = 15_000;

export function startScheduleClock(deps: ScheduleEvaluatorDeps, everyMs = SCHEDULE_LOOK_MS) {
  let looking: Promise<void> | undefined;
  const look = () => {
    looking ??= publishDueSchedules(deps)
      .then(() => undefined, (error: unknown) => deps.log.warn("schedule.look_failed", errorFields(error)))
      .finally(() => {
        looking = undefined;
      });
    return looking;
  };
  const first = look();
  const timer = setInterval(() => void look(), everyMs);
  return {
    /** Resolves once the look made at start is done. */
    started: first,
    look,
    async stop(): Promise<void> {
      clearInterval(timer);
      await looking;
    },
  };
}
