/**
 * Schedules (`/sim schedule`): one per set per channel, kept in state at
 * stateKeys.schedule(setId, channelId). State is the truth: EventBridge Scheduler's timers
 * (ScheduleTimers) and the local evaluator only say when a schedule is due, and a due time
 * of a schedule that no longer exists does nothing.
 */
import { createHash } from "node:crypto";
import { cronOf, describeWhen, type When } from "./schedule-grammar.js";
import { nextTimes } from "./schedule-times.js";
import type { StateStore } from "../ports.js";
import { stateKeys } from "../idempotency/state-keys.js";
import { updateState } from "../idempotency/state-update.js";

export interface Schedule {
  /** Stable per set and channel; also the name of its EventBridge Scheduler schedule. */
  scheduleId: string;
  setId: string;
  /** The set's name when scheduled (for listing and messages without asking Amigo). */
  setName: string;
  channelId: string;
  /** The workspace (and Enterprise Grid organization) it was scheduled from: each run is checked as if typed there. */
  teamId?: string;
  enterpriseId?: string;
  /** The Slack user who scheduled it: its runs are started in their name. */
  owner: string;
  when: When;
  timeZone: string;
  /** When this version was saved; times before it are never run. */
  savedAt: string;
}

/** A name EventBridge Scheduler accepts (64 characters of [0-9A-Za-z_.-]). */
export function scheduleIdOf(setId: string, channelId: string): string {
  const plain = `${setId}-${channelId}`;
  return /^[\w.-]{1,64}$/.test(plain) ? plain : `${setId}-${createHash("sha256").update(channelId).digest("hex").slice(0, 24)}`;
}

/** A due time as a word for keys and request ids: 2026-04-06T09:00:00.000Z -> 20260406T090000Z. */
export function dueId(dueAt: string): string {
  return new Date(dueAt).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");
}

/** "every weekday (Mon-Fri) at 09:00, Europe/Berlin time". */
export function describeSchedule(schedule: Pick<Schedule, "when" | "timeZone">): string {
  return `${describeWhen(schedule.when)}, ${schedule.timeZone} time`;
}

export function nextRunOf(schedule: Pick<Schedule, "when" | "timeZone">, after: Date): Date | undefined {
  return nextTimes(cronOf(schedule.when), schedule.timeZone, after, 1)[0];
}

/** Every schedule, or a channel's (unreadable keys are skipped). */
export async function listSchedules(state: StateStore, channelId?: string): Promise<Schedule[]> {
  const keys = await state.list(stateKeys.schedulesPrefix());
  const found = await Promise.all(keys.map(async (key) => (await state.get<Schedule>(key))?.value));
  return found.filter((s): s is Schedule => typeof s?.scheduleId === "string" && (channelId === undefined || s.channelId === channelId));
}

export async function scheduleOf(state: StateStore, setId: string, channelId: string): Promise<Schedule | undefined> {
  return (await state.get<Schedule>(stateKeys.schedule(setId, channelId)))?.value;
}

/** Creates or replaces the channel's schedule of the set; returns the one it replaced. */
export async function saveSchedule(state: StateStore, schedule: Schedule): Promise<{ replaced?: Schedule }> {
  let replaced: Schedule | undefined;
  await updateState<Schedule>(state, stateKeys.schedule(schedule.setId, schedule.channelId), (current) => {
    replaced = current;
    return schedule;
  });
  return replaced ? { replaced } : {};
}

/** Removes the channel's schedule of the set; returns it, or undefined when there was none. */
export async function removeSchedule(state: StateStore, setId: string, channelId: string): Promise<Schedule | undefined> {
  const key = stateKeys.schedule(setId, channelId);
  const found = await state.get<Schedule>(key);
  if (!found) return undefined;
  await state.delete(key);
  return found.value;
}
