/**
 * The slash command grammar: the text after `/sim`, parsed into a Command.
 * One parser serves Slack and the terminal CLI, so both answer with the same words. Names
 * are read as people type them (command-words.ts): `/sim run Checkout flows`.
 */
import { nameOf, readOptions, readWords, splitArguments, type Word } from "./command-words.js";
import { isObjectId } from "../model/object-id.js";
import { readSchedule, type ScheduleRequest } from "../schedules/schedule-grammar.js";

/** Someone to ping when a subscribed set's run finishes; `markup` is what Slack renders. */
export interface Mention {
  kind: "user" | "group" | "here" | "channel";
  markup: string;
  label: string;
}

export type Command =
  | { verb: "run"; set: string }
  | { verb: "cancel"; runId: string }
  | { verb: "status"; target?: string }
  | { verb: "list"; set?: string; failedOnly: boolean }
  | { verb: "subscribe"; set: string; failuresOnly: boolean; mention?: Mention }
  | { verb: "unsubscribe"; set: string }
  | { verb: "subscriptions" }
  | ({ verb: "schedule" } & ScheduleRequest)
  | { verb: "schedules" }
  | { verb: "unschedule"; set: string }
  | { verb: "report"; target?: string }
  | { verb: "help" };

export type Verb = Command["verb"];

export type ParseResult = { ok: true; command: Command } | { ok: false; error: string; usage: string };

export const USAGE: Record<Verb, string> = {
  run: "run <set>: start a run of a set (its name as it reads, or its 24-hex id)",
  cancel: "cancel <run>: cancel an in-progress run (its 24-hex id)",
  status: "status [<run>|<set>]: how one run or set is doing, or every set that ran in the last 7 days",
  list: "list [<set>] [--failed]: recent runs, of one set or all",
  subscribe: "subscribe <set> [--failures-only] [--mention <@user|@group|@here>]: post this set's runs in this channel",
  unsubscribe: "unsubscribe <set>: stop posting this set's runs in this channel",
  subscriptions: "subscriptions: which sets post in this channel",
  schedule:
    'schedule <set> <when> [--tz <Area/City>]: run a set on a timetable, announced in this channel. <when> comes last: daily HH:MM, weekdays HH:MM, hourly, every N hours, or a cron expression in quotes ("0 9 * * 1-5"); time zone UTC unless --tz',
  schedules: "schedules: this channel's schedules and when each runs next",
  unschedule: "unschedule <set>: stop this channel's schedule of a set",
  report: "report [<set>|<run>]: a link to a run's report, a set's runs or the whole archive, in the archive browser",
  help: "help: this list",
};

export const VERBS = Object.keys(USAGE) as Verb[];

/** Each verb's flags (`--failed`, `--mention <who>`): a boolean or one that takes the next word. The terminal CLI reads them too. */
export const VERB_FLAGS: Record<Verb, Readonly<Record<string, "boolean" | "string">>> = {
  run: {},
  cancel: {},
  status: {},
  list: { failed: "boolean" },
  subscribe: { "failures-only": "boolean", mention: "string" },
  unsubscribe: {},
  subscriptions: {},
  schedule: { tz: "string" },
  schedules: {},
  unschedule: {},
  report: {},
  help: {},
};

export function helpText(commandWord = "/sim"): string {
  return VERBS.map((verb) => `${commandWord} ${USAGE[verb]}`).join("\n");
}

/** Slack escapes &, < and > in slash command text; undo that once. */
function unescapeSlack(text: string): string {
  return text.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
}

const SLACK_MARKUP = /<[@#!][^>]*>|<https?:[^>]*>/;

function parseMention(raw: string): Mention | undefined {
  const user = /^<@([UW][A-Z0-9]+)(?:\|([^>]*))?>$/.exec(raw);
  if (user) return { kind: "user", markup: `<@${user[1]}>`, label: `@${user[2] ?? user[1]}` };
  const group = /^<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>$/.exec(raw);
  if (group) return { kind: "group", markup: `<!subteam^${group[1]}>`, label: group[2] ?? `@${group[1]}` };
  const special = /^(?:<!(here|channel)(?:\|[^>]*)?>|@(here|channel))$/.exec(raw);
  if (special) {
    const which = (special[1] ?? special[2]) as "here" | "channel";
    return { kind: which, markup: `<!${which}>`, label: `@${which}` };
  }
  return undefined;
}

function fail(verb: Verb | undefined, error: string): ParseResult {
  return { ok: false, error, usage: verb ? `Usage: /sim ${USAGE[verb]}` : `Commands:\n${helpText()}` };
}

/**
 * The longest name a command reads: Amigo sets no limit on a set's name, and a message's text
 * (which a command's text is typed as) holds 4,000 characters before Slack cuts it.
 */
export const MAX_NAME_CHARS = 4_000;

/** Names of sets and ids of runs must not be Slack markup (a mention, a channel, a link). */
function checkArgument(what: string, value: string): string | undefined {
  if (SLACK_MARKUP.test(value)) return `${what} looks like a Slack mention or link, not a ${what}`;
  if (value.length > MAX_NAME_CHARS) return `${what} is longer than simwatch reads (${MAX_NAME_CHARS.toLocaleString("en-US")} characters): name it by its 24-hex id instead`;
  return undefined;
}

/** Verbs whose argument is one name (or id), then options. */
type NamedVerb = "run" | "unsubscribe" | "cancel" | "status" | "list" | "subscribe" | "unschedule" | "report";

/** What a verb takes after it: a name (required or not), then the options VERB_FLAGS gives it. */
const ARGUMENTS: Record<NamedVerb, { what: string; required: boolean }> = {
  run: { what: "set", required: true },
  unsubscribe: { what: "set", required: true },
  cancel: { what: "run id", required: true },
  status: { what: "run or set", required: false },
  list: { what: "set", required: false },
  subscribe: { what: "set", required: true },
  unschedule: { what: "set", required: true },
  report: { what: "run or set", required: false },
};

type Arguments = { name: string | undefined; options: Map<string, string | true> };

/** The verb's name and options, checked: present when required, no Slack markup, not too long. */
function readArguments(verb: NamedVerb, args: readonly Word[]): Arguments | ParseResult {
  const { what, required } = ARGUMENTS[verb];
  const { nameWords, options: optionWords } = splitArguments(args);
  const named = nameOf(nameWords);
  if ("error" in named) return fail(verb, named.error);
  const options = readOptions(verb, optionWords, VERB_FLAGS[verb]);
  if ("error" in options) return fail(verb, options.error);
  const { name } = named;
  if (name === undefined) return required ? fail(verb, `${verb} needs a ${what}.`) : { name, options };
  if (name.trim() === "") return fail(verb, `The ${what} is empty.`);
  const problem = checkArgument(what, name);
  return problem ? fail(verb, `The ${problem}.`) : { name, options };
}

function commandOf(verb: NamedVerb, { name, options }: Arguments): ParseResult {
  const set = name ?? "";
  switch (verb) {
    case "run":
    case "unsubscribe":
    case "unschedule":
      return { ok: true, command: { verb, set } };
    case "cancel":
      if (!isObjectId(set)) return fail(verb, `"${set}" is not a run id (24 lower-case hex digits).`);
      return { ok: true, command: { verb, runId: set } };
    case "status":
    case "report":
      return { ok: true, command: name === undefined ? { verb } : { verb, target: name } };
    case "list": {
      const failedOnly = options.has("failed");
      return { ok: true, command: name === undefined ? { verb, failedOnly } : { verb, set: name, failedOnly } };
    }
    case "subscribe": {
      const failuresOnly = options.has("failures-only");
      const raw = options.get("mention");
      if (raw === undefined) return { ok: true, command: { verb, set, failuresOnly } };
      const mention = typeof raw === "string" ? parseMention(raw) : undefined;
      if (!mention) return fail(verb, `--mention takes a Slack @user, @group or @here; "${String(raw)}" is none of those.`);
      return { ok: true, command: { verb, set, failuresOnly, mention } };
    }
  }
}

export function parseCommand(input: string): ParseResult {
  const words = readWords(unescapeSlack(input));
  if (!Array.isArray(words)) return fail(undefined, `Could not read that: ${words.error}.`);
  const [first, ...rest] = words;
  if (first === undefined) return { ok: true, command: { verb: "help" } };
  const verb = first.text.toLowerCase();
  if (verb === "help" || verb === "subscriptions" || verb === "schedules") {
    if (rest.length > 0) return fail(verb, `${verb} takes no arguments.`);
    return { ok: true, command: { verb } };
  }
  if (verb === "schedule") return scheduleOf(rest);
  if (verb in ARGUMENTS) {
    const known = verb as NamedVerb;
    const args = readArguments(known, rest);
    return "ok" in args ? args : commandOf(known, args);
  }
  const close = VERBS.filter((v) => editDistance(v, verb) <= 2);
  const hint = close.length > 0 ? ` Did you mean ${close.map((v) => `\`${v}\``).join(" or ")}?` : "";
  return fail(undefined, `Unknown command "${first.text}".${hint}`);
}

/** `schedule <set> <when> [--tz <zone>]`: the set and <when> share the words before the options (schedule-grammar.ts). */
function scheduleOf(args: readonly Word[]): ParseResult {
  const { nameWords, options: optionWords } = splitArguments(args);
  const options = readOptions("schedule", optionWords, VERB_FLAGS.schedule);
  if ("error" in options) return fail("schedule", options.error);
  const zone = options.get("tz");
  const read = readSchedule(nameWords, typeof zone === "string" ? zone : undefined);
  if (!read.ok) return fail("schedule", read.error);
  const problem = checkArgument("set", read.request.set);
  return problem ? fail("schedule", `The ${problem}.`) : { ok: true, command: { verb: "schedule", ...read.request } };
}

/** Levenshtein distance, for "did you mean" hints on verbs and set names. */
export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0] ?? 0;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      previous[j] = Math.min(above + 1, (previous[j - 1] ?? 0) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return previous[b.length] ?? 0;
}

/** The names closest to `query`: substring matches first, then by edit distance. */
export function closestNames(query: string, names: readonly string[], max = 5): string[] {
  const q = query.toLowerCase();
  return names
    .map((name) => {
      const n = name.toLowerCase();
      const score = n.includes(q) || q.includes(n) ? 0 : editDistance(q, n) / Math.max(q.length, n.length);
      return { name, score };
    })
    .filter((entry) => entry.score <= 0.6)
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, max)
    .map((entry) => entry.name);
}
