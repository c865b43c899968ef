/**
 * Schedules (`/sim schedule`): one per set per channel, kept in state at
 * stateKeys.schedule(setId, channelId). State is the truth: EventBridge Scheduler's timers
 * (ScheduleTimers) and the local evaluator only say when a schedule is due, and a due time
 * of a schedule that no longer exists does nothing.
 */
import type { StateStore } from "../ports.js";
import type { Schedule } from "./schedule.js";
import { stateKeys } from "../idempotency/state-keys.js";
import { updateState } from "../idempotency/state-update.js";

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
