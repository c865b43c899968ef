/**
 * When a schedule runs, in its time zone, the way EventBridge Scheduler runs it: on the day
 * the clocks go forward a time that does not exist is skipped, and on the day they go back a
 * time that occurs twice runs once (the first time). croner finds the candidates; the two
 * rules are applied here, so the local evaluator and the times simwatch shows agree with AWS.
 */
import { Cron as Croner } from "croner";
import { type Cron, cronMatches, cronText } from "./cron.js";

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      weekday: "short",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock time at `instant` in `timeZone`. */
export function wallClock(instant: Date, timeZone: string): Wall {
  const parts = Object.fromEntries(formatterFor(timeZone).formatToParts(instant).map((part) => [part.type, part.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
    weekday: WEEKDAYS.indexOf(parts.weekday ?? ""),
  };
}

const sameWall = (a: Wall, b: Wall) => a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute;

/** DST shifts are an hour almost everywhere, half an hour on Lord Howe Island. */
const SHIFTS_MS = [30 * 60_000, 60 * 60_000];

/** An instant the schedule really runs at: its wall time is one the expression names, seen for the first time. */
function runsAt(cron: Cron, timeZone: string, instant: Date): boolean {
  const wall = wallClock(instant, timeZone);
  if (!cronMatches(cron, wall)) return false; // moved out of a gap the clocks skipped
  return !SHIFTS_MS.some((shift) => sameWall(wallClock(new Date(instant.getTime() - shift), timeZone), wall));
}

function croner(cron: Cron, timeZone: string): Croner {
  return new Croner(cronText(cron), { timezone: timeZone, paused: true, mode: "5-part", domAndDow: false });
}

/** The next `count` times after `after`. */
export function nextTimes(cron: Cron, timeZone: string, after: Date, count: number): Date[] {
  const job = croner(cron, timeZone);
  const times: Date[] = [];
  let cursor = after;
  // Each skipped candidate is a DST edge: a handful at most per year of candidates.
  for (let guard = 0; times.length < count && guard < count + 50; guard++) {
    const next = job.nextRun(cursor);
    if (!next) break;
    if (runsAt(cron, timeZone, next)) times.push(next);
    cursor = next;
  }
  return times;
}

/** The latest time the schedule was due at in (`notBefore`, `now`], if any. */
export function latestDue(cron: Cron, timeZone: string, now: Date, notBefore: Date): Date | undefined {
  const job = croner(cron, timeZone);
  // croner's previous runs are strictly before the reference; a minute resolution makes now+1 ms inclusive.
  const candidates = job.previousRuns(3, new Date(now.getTime() + 1));
  return candidates.find((time) => time.getTime() > notBefore.getTime() && time.getTime() <= now.getTime() && runsAt(cron, timeZone, time));
}

/** "Mon 6 Apr 2026, 09:00" in the zone (what a schedule's times are shown as). */
export function formatInZone(instant: Date, timeZone: string): string {
  const wall = wallClock(instant, timeZone);
  const month = new Intl.DateTimeFormat("en-US", { timeZone, month: "short" }).format(instant);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${WEEKDAYS[wall.weekday]} ${wall.day} ${month} ${wall.year}, ${pad(wall.hour)}:${pad(wall.minute)}`;
}
