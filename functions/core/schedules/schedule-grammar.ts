/**
 * `/sim schedule <set> <when> [--tz <Area/City>]`: the set, when it runs, and in which time zone.
 *
 * The set name comes first and needs no quotes (command-words.ts), so `<when>` is read from the
 * end of the words before the first `--flag`: the last words that form a `<when>` are the
 * timetable, everything before them is the set. `<when>` is `daily HH:MM`, `weekdays HH:MM`, `hourly`,
 * `every N hours` or a five-field cron expression in quotes. The time zone is UTC unless given.
 */
import { nameOf, type Word } from "../commands/command-words.js";
import { type Cron, cronText, parseCron } from "./cron.js";

export type When =
  | { kind: "daily"; time: string }
  | { kind: "weekdays"; time: string }
  | { kind: "hourly" }
  | { kind: "every-hours"; hours: number }
  | { kind: "cron"; expression: string };

export interface ScheduleRequest {
  set: string;
  when: When;
  /** An IANA zone name, as Intl spells it ("Europe/Berlin", "UTC"). */
  timeZone: string;
  /** False when the zone is the default (the reply says so). */
  timeZoneGiven: boolean;
}

export type ScheduleParse = { ok: true; request: ScheduleRequest } | { ok: false; error: string };

export const DEFAULT_TIME_ZONE = "UTC";

/** Hours that divide the day evenly, so "every N hours" is N hours apart across midnight too. */
const EVERY_HOURS = [1, 2, 3, 4, 6, 8, 12];

/** "9:05" or "09:05" (24-hour) -> "09:05". */
function clockTime(text: string): string | undefined {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [hour, minute] = [Number(match[1]), Number(match[2])];
  if (hour > 23 || minute > 59) return undefined;
  return `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`;
}

/** The zone as Intl spells it, or undefined when there is no such zone. */
export function timeZoneNamed(text: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{1,60}$/.test(text)) return undefined;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: text }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

type Read = { setWords: readonly Word[]; when: When } | { error: string };

const plain = (word: Word | undefined, ...texts: string[]) => word !== undefined && !word.quoted && texts.includes(word.text.toLowerCase());

/** The `<when>` the last words form, and the words before it (the set). */
function readWhen(words: readonly Word[]): Read {
  const at = (fromEnd: number) => words[words.length - fromEnd];
  const before = (count: number) => words.slice(0, words.length - count);
  const last = at(1);
  // A quoted last word after a name is a cron expression; a quoted name alone has no <when>.
  if (last?.quoted && words.length > 1) {
    const parsed = parseCron(last.text);
    if (!parsed.ok) return { error: `That cron expression does not work: ${parsed.error}.` };
    return { setWords: before(1), when: { kind: "cron", expression: cronText(parsed.cron) } };
  }
  if (plain(at(2), "daily", "weekdays") && last && !last.quoted) {
    const time = clockTime(last.text);
    if (!time) return { error: `"${last.text}" is not a time of day: give it as 24-hour HH:MM, e.g. 09:00 or 17:30.` };
    return { setWords: before(2), when: { kind: at(2)?.text.toLowerCase() === "daily" ? "daily" : "weekdays", time } };
  }
  if (plain(last, "hourly")) return { setWords: before(1), when: { kind: "hourly" } };
  if (plain(at(3), "every") && plain(last, "hours", "hour") && !at(2)?.quoted) {
    const hours = Number(at(2)?.text);
    if (!EVERY_HOURS.includes(hours)) {
      return { error: `"every ${at(2)?.text} hours" needs a number of hours that divides the day: ${EVERY_HOURS.join(", ")} (or a cron expression in quotes).` };
    }
    return { setWords: before(3), when: hours === 1 ? { kind: "hourly" } : { kind: "every-hours", hours } };
  }
  const bare = words.slice(-5);
  if (bare.length === 5 && bare.every((word) => !word.quoted)) {
    const expression = bare.map((word) => word.text).join(" ");
    if (parseCron(expression).ok) return { error: `Put the cron expression in quotes: "${expression}".` };
  }
  return { error: "Say when at the end: daily HH:MM, weekdays HH:MM, hourly, every N hours, or a cron expression in quotes." };
}

/**
 * Reads what `schedule` takes: `words` are those before the first option (the set, then
 * `<when>`), `zone` the --tz option's value. Slack markup in the set name is the caller's to check.
 */
export function readSchedule(words: readonly Word[], zone: string | undefined): ScheduleParse {
  const timeZone = zone === undefined ? DEFAULT_TIME_ZONE : timeZoneNamed(zone);
  if (!timeZone) return { ok: false, error: `"${zone}" is not a time zone: give one like Europe/Berlin or America/New_York.` };
  if (words.length === 0) return { ok: false, error: "schedule needs a set and when to run it." };
  const read = readWhen(words);
  if ("error" in read) return { ok: false, error: read.error };
  const named = nameOf(read.setWords);
  if ("error" in named) return { ok: false, error: named.error };
  const set = named.name?.trim() ?? "";
  if (set === "") return { ok: false, error: "schedule needs a set before when to run it." };
  return { ok: true, request: { set, when: read.when, timeZone, timeZoneGiven: zone !== undefined } };
}

/** The timetable as a cron expression (the one form both evaluators run). */
export function cronOf(when: When): Cron {
  const expression = (() => {
    switch (when.kind) {
      case "daily":
      case "weekdays": {
        const [hour, minute] = when.time.split(":").map(Number);
        return `${minute} ${hour} * * ${when.kind === "weekdays" ? "1-5" : "*"}`;
      }
      case "hourly":
        return "0 * * * *";
      case "every-hours":
        return `0 */${when.hours} * * *`;
      case "cron":
        return when.expression;
    }
  })();
  const parsed = parseCron(expression);
  if (!parsed.ok) throw new Error(`schedule "${expression}" does not parse: ${parsed.error}`);
  return parsed.cron;
}

/** "every weekday at 09:00", for replies and run messages (the zone is said separately). */
export function describeWhen(when: When): string {
  switch (when.kind) {
    case "daily":
      return `every day at ${when.time}`;
    case "weekdays":
      return `every weekday (Mon-Fri) at ${when.time}`;
    case "hourly":
      return "every hour, on the hour";
    case "every-hours":
      return `every ${when.hours} hours from midnight`;
    case "cron":
      return `on cron "${when.expression}"`;
  }
}
