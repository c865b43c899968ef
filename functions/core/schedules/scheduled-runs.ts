/**
 * A schedule's time has come (`Scheduled Run Due`): the run is started as the command
 * `/sim run <set>` of the schedule's owner in the schedule's channel, through the same verb
 * and the same command record as a typed one. The record's id is the schedule and the time it
 * was due at, so a time delivered twice (a redelivery, a restarted serve) starts one run.
 *
 * The command is checked like a typed one (the owner, the channel, the workspace it was
 * scheduled from), so a schedule of someone no longer allowed starts nothing.
 *
 * Nobody typed the command, so what would have been a private answer goes to the channel,
 * once: a time skipped because the set's previous run is unfinished (Amigo's 409) is told once
 * per unfinished run, whatever number of times it blocks; any other failure once per time.
 */
import { type ChatMessage, type Line, notice } from "../chat.js";
import type { CommandAcceptedDetail, ScheduledRunDueDetail } from "../events.js";
import type { Logger } from "../log.js";
import type { Clock, StateStore } from "../ports.js";
import { type PostOnceDeps, postOnce } from "../idempotency/post-once.js";
import { formatInZone } from "./schedule-times.js";
import { scheduleOf } from "./schedules.js";
import { describeSchedule, dueId, type Schedule } from "./schedule.js";
import { stateKeys } from "../idempotency/state-keys.js";
import type { VerbResult } from "../commands/verbs/context.js";

/** A time delivered later than this after it was due is not run (the next one will be). */
export const LATE_AFTER_MS = 60 * 60_000;

export function scheduledCommand(schedule: Schedule, dueAt: string): CommandAcceptedDetail {
  return {
    command: { verb: "run", set: schedule.setId },
    text: `run ${schedule.setName} (scheduled)`,
    userId: schedule.owner,
    channelId: schedule.channelId,
    ...(schedule.teamId ? { teamId: schedule.teamId } : {}),
    ...(schedule.enterpriseId ? { enterpriseId: schedule.enterpriseId } : {}),
    requestId: `schedule.${schedule.scheduleId}.${dueId(dueAt)}`,
    schedule: { scheduleId: schedule.scheduleId, setName: schedule.setName, dueAt, timeZone: schedule.timeZone, description: describeSchedule(schedule) },
  };
}

export type DueDecision = { run: CommandAcceptedDetail } | { skip: "gone" | "late" | "bad_time" };

/** Whether a due time still starts a run: its schedule must exist and the time be recent. */
export async function decideDue(deps: { state: StateStore; clock: Clock; log: Logger }, detail: ScheduledRunDueDetail): Promise<DueDecision> {
  const fields = { scheduleId: detail.scheduleId, setId: detail.setId, channelId: detail.channelId, dueAt: detail.dueAt };
  const due = Date.parse(detail.dueAt);
  if (!Number.isFinite(due)) {
    deps.log.warn("schedule.due_skipped", { ...fields, reason: "bad_time" });
    return { skip: "bad_time" };
  }
  const schedule = await scheduleOf(deps.state, detail.setId, detail.channelId);
  if (!schedule || schedule.scheduleId !== detail.scheduleId) {
    deps.log.info("schedule.due_skipped", { ...fields, reason: "gone" });
    return { skip: "gone" };
  }
  if (deps.clock.now().getTime() - due > LATE_AFTER_MS) {
    deps.log.warn("schedule.due_skipped", { ...fields, reason: "late" });
    return { skip: "late" };
  }
  return { run: scheduledCommand(schedule, new Date(due).toISOString()) };
}

function channelNotice(detail: CommandAcceptedDetail, result: VerbResult): ChatMessage | undefined {
  const scheduled = detail.schedule;
  if (!scheduled || result.runId) return undefined;
  const at = formatInZone(new Date(scheduled.dueAt), scheduled.timeZone);
  const intro: Line = ["The scheduled run of ", { bold: scheduled.setName }, ` due ${at} (`, { user: detail.userId }, `'s schedule, ${scheduled.description}) `];
  if (result.blockedBy) {
    return notice("warning", [
      [...intro, "was skipped: the set's previous run ", { code: result.blockedBy }, " is still unfinished."],
      ["Later times are skipped too while it is unfinished; this channel is told once. Cancel it or wait for it to finish."],
    ]);
  }
  const lines = result.reply.kind === "notice" ? result.reply.notice.lines : [];
  return notice("warning", [[...intro, "did not start:"], ...lines]);
}

/** Tells the schedule's channel why a scheduled run did not start, once (see the module comment). */
export async function tellScheduleChannel(posting: PostOnceDeps, detail: CommandAcceptedDetail, result: VerbResult): Promise<void> {
  const message = channelNotice(detail, result);
  const scheduled = detail.schedule;
  if (!message || !scheduled) return;
  const what = result.blockedBy ? `unfinished-${result.blockedBy}` : `failed-${dueId(scheduled.dueAt)}`;
  await postOnce(
    posting,
    { key: stateKeys.scheduleNotice(scheduled.scheduleId, what), channelId: detail.channelId, tag: { runId: result.blockedBy ?? scheduled.scheduleId, what: `schedule-${what}` } },
    () => message,
  );
}
