/**
 * `/sim schedule`, `/sim schedules`, `/sim unschedule`: a set run on a timetable, announced in
 * the channel that scheduled it. The timer (EventBridge Scheduler, in AWS) is put before the
 * schedule is saved and removed after it is deleted, so a timer without a schedule may exist
 * for a moment (its times do nothing) but a listed schedule always has its timer. Each effect
 * is a step of the command, so a redelivered command resumes and never repeats one.
 */
import { type ChatMessage, type Line, notice, say } from "../../chat.js";
import type { Command } from "../commands.js";
import { DEFAULT_TIME_ZONE } from "../../schedules/schedule-grammar.js";
import { formatInZone } from "../../schedules/schedule-times.js";
import { listSchedules, removeSchedule, saveSchedule } from "../../schedules/schedules.js";
import { describeSchedule, nextRunOf, type Schedule, scheduleIdOf } from "../../schedules/schedule.js";
import type { CommandContext } from "./context.js";
import { lookUpSet } from "./set-lookup.js";

function nextLine(schedule: Schedule, now: Date): Line {
  const next = nextRunOf(schedule, now);
  return next ? ["Next run: ", { bold: formatInZone(next, schedule.timeZone) }, ` (${schedule.timeZone}).`] : ["It has no next run time."];
}

export async function schedule(ctx: CommandContext, command: Extract<Command, { verb: "schedule" }>): Promise<ChatMessage> {
  const lookup = await lookUpSet(ctx, command.set);
  if (!lookup.ok) return lookup.reply;
  const { set } = lookup;
  const { channelId, teamId, enterpriseId, userId } = ctx.detail;
  const wanted: Schedule = {
    scheduleId: scheduleIdOf(set.id, channelId),
    setId: set.id,
    setName: set.name,
    channelId,
    ...(teamId ? { teamId } : {}),
    ...(enterpriseId ? { enterpriseId } : {}),
    owner: userId,
    when: command.when,
    timeZone: command.timeZone,
    savedAt: ctx.now().toISOString(),
  };
  // A redelivery carries on with the schedule its first attempt decided on.
  const chosen = await ctx.step("schedule-chosen", async () => wanted);
  await ctx.step("put-timer", async () => {
    await ctx.deps.timers?.put(chosen);
    return true;
  });
  const { replaced } = await ctx.step("save-schedule", () => saveSchedule(ctx.deps.state, chosen));
  ctx.deps.log.info("command.schedule.saved", { scheduleId: chosen.scheduleId, setId: set.id, channelId });
  const lines: Line[] = [
    [{ bold: set.name }, ` now runs ${describeSchedule(chosen)}, scheduled by `, { user: userId }, ". Each run is announced in this channel and summarised in its thread."],
    nextLine(chosen, ctx.now()),
  ];
  if (!command.timeZoneGiven) lines.push([`Times are ${DEFAULT_TIME_ZONE}; add `, { code: "--tz Area/City" }, " (e.g. Europe/Berlin) for another time zone."]);
  if (replaced) lines.push([`This replaces the channel's earlier schedule of this set (${describeSchedule(replaced)}).`]);
  lines.push(["When the set's previous run is still unfinished at a run time, that time is skipped and this channel is told."]);
  return notice("success", lines);
}

export async function unschedule(ctx: CommandContext, query: string): Promise<ChatMessage> {
  const { channelId } = ctx.detail;
  const here = await listSchedules(ctx.deps.state, channelId);
  let target = here.find((s) => s.setId === query || s.setName.toLowerCase() === query.toLowerCase());
  if (!target && !ctx.recorded("remove-schedule")) {
    const lookup = await lookUpSet(ctx, query);
    if (!lookup.ok) return lookup.reply;
    target = here.find((s) => s.setId === lookup.set.id);
    if (!target) return say("info", ["This channel has no schedule of ", { bold: lookup.set.name }, "."]);
  }
  const found = target;
  const removed = await ctx.step("remove-schedule", async () => (found ? ((await removeSchedule(ctx.deps.state, found.setId, channelId)) ?? null) : null));
  if (!removed) return say("info", ["This channel has no schedule of that set any more."]);
  await ctx.step("remove-timer", async () => {
    await ctx.deps.timers?.remove(removed.scheduleId);
    return true;
  });
  ctx.deps.log.info("command.schedule.removed", { scheduleId: removed.scheduleId, setId: removed.setId, channelId });
  return say("success", ["This channel's schedule of ", { bold: removed.setName }, ` (${describeSchedule(removed)}) is removed; no more runs start from it.`]);
}

export async function schedules(ctx: CommandContext): Promise<ChatMessage> {
  const now = ctx.now();
  const here = (await listSchedules(ctx.deps.state, ctx.detail.channelId))
    .map((s) => ({ schedule: s, next: nextRunOf(s, now) }))
    .sort((a, b) => (a.next?.getTime() ?? Infinity) - (b.next?.getTime() ?? Infinity) || a.schedule.setName.localeCompare(b.schedule.setName));
  const lines: Line[] = here.map(({ schedule: s, next }): Line => [
    "• ",
    { bold: s.setName },
    ` ${describeSchedule(s)}; next `,
    next ? { bold: formatInZone(next, s.timeZone) } : "never",
    ", by ",
    { user: s.owner },
  ]);
  if (lines.length === 0) lines.push(["This channel has no schedules. ", { code: `${ctx.deps.commandWord} schedule <set> <when>` }, " adds one."]);
  return notice("info", lines, { title: "Schedules of this channel" });
}
