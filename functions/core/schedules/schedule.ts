/**
 * A schedule (`/sim schedule`): a set run on a timetable in a channel, in its time zone, on
 * behalf of the person who scheduled it. What it is and when it runs, without state or I/O.
 */
import { createHash } from "node:crypto";
import { cronOf, describeWhen, type When } from "./schedule-grammar.js";
import { nextTimes } from "./schedule-times.js";

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
