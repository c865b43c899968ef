/**
 * The slash command grammar: the text after `/sim`, parsed into a Command.
 * One parser serves Slack and the terminal CLI, so both answer with the same words.
 */
import { isObjectId } from "./object-id.js";

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
  | { verb: "help" };

export type Verb = Command["verb"];

export type ParseResult = { ok: true; command: Command } | { ok: false; error: string; usage: string };

export const USAGE: Record<Verb, string> = {
  run: "run <set>: start a run of a set (24-hex id or its name; quote names with spaces)",
  cancel: "cancel <run>: cancel an in-progress run (its 24-hex id)",
  status: "status [<run>|<set>]: what is running, or how one run or set is doing",
  list: "list [<set>] [--failed]: recent runs, of one set or all",
  subscribe: "subscribe <set> [--failures-only] [--mention <@user|@group|@here>]: post this set's runs in this channel",
  unsubscribe: "unsubscribe <set>: stop posting this set's runs in this channel",
  subscriptions: "subscriptions: which sets post in this channel",
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
  help: {},
};

export function helpText(commandWord = "/sim"): string {
  return VERBS.map((verb) => `${commandWord} ${USAGE[verb]}`).join("\n");
}

/** Slack escapes &, < and > in slash command text; undo that once. */
function unescapeSlack(text: string): string {
  return text.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
}

/** Splits on whitespace, keeping "quoted names" (straight or curly quotes) together. */
export function tokenize(text: string): string[] | { error: string } {
  const tokens: string[] = [];
  const pattern = /"([^"]*)"|“([^”]*)”|'([^']*)'|(\S+)/g;
  const normalized = text.trim();
  let consumed = 0;
  for (const match of normalized.matchAll(pattern)) {
    const between = normalized.slice(consumed, match.index);
    if (/["“”]/.test(between)) return { error: "unbalanced quotes" };
    consumed = match.index + match[0].length;
    const word = match[1] ?? match[2] ?? match[3] ?? match[4] ?? "";
    if (match[4] !== undefined && /["“”]/.test(word)) return { error: "unbalanced quotes" };
    tokens.push(word);
  }
  return tokens;
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

/** Names of sets and ids of runs must not be Slack markup (a mention, a channel, a link). */
function checkArgument(verb: Verb, what: string, value: string): string | undefined {
  if (SLACK_MARKUP.test(value)) return `${what} looks like a Slack mention or link, not a ${what}`;
  if (value.length > 200) return `${what} is too long`;
  return undefined;
}

export function parseCommand(input: string): ParseResult {
  const tokens = tokenize(unescapeSlack(input));
  if (!Array.isArray(tokens)) return fail(undefined, `Could not read that: ${tokens.error}.`);
  const [first, ...rest] = tokens;
  if (first === undefined) return { ok: true, command: { verb: "help" } };
  const verb = first.toLowerCase();
  const flags = rest.filter((token) => token.startsWith("--"));
  const args = rest.filter((token) => !token.startsWith("--"));

  const allowFlags = (v: Verb): ParseResult | undefined => {
    const allowed = Object.keys(VERB_FLAGS[v]).map((name) => `--${name}`);
    const unknown = flags.find((flag) => !allowed.includes(flag.split("=")[0] ?? flag));
    return unknown ? fail(v, `Unknown option ${unknown} for ${v}.`) : undefined;
  };
  const oneArgument = (v: Verb, what: string, optional: boolean): ParseResult | string | undefined => {
    if (args.length > 1) return fail(v, `${v} takes one ${what}; got ${args.length} words (quote names with spaces).`);
    const value = args[0];
    if (value === undefined) return optional ? undefined : fail(v, `${v} needs a ${what}.`);
    if (value.trim() === "") return fail(v, `The ${what} is empty.`);
    const problem = checkArgument(v, what, value);
    return problem ? fail(v, `The ${problem}.`) : value;
  };

  switch (verb) {
    case "help":
    case "subscriptions": {
      if (args.length > 0 || flags.length > 0) return fail(verb, `${verb} takes no arguments.`);
      return { ok: true, command: { verb } };
    }
    case "run":
    case "unsubscribe": {
      const bad = allowFlags(verb);
      if (bad) return bad;
      const set = oneArgument(verb, "set", false);
      if (typeof set !== "string") return set ?? fail(verb, "missing set");
      return { ok: true, command: { verb, set } };
    }
    case "cancel": {
      const bad = allowFlags(verb);
      if (bad) return bad;
      const runId = oneArgument(verb, "run id", false);
      if (typeof runId !== "string") return runId ?? fail(verb, "missing run id");
      if (!isObjectId(runId)) return fail(verb, `"${runId}" is not a run id (24 lower-case hex digits).`);
      return { ok: true, command: { verb, runId } };
    }
    case "status": {
      const bad = allowFlags(verb);
      if (bad) return bad;
      const target = oneArgument(verb, "run or set", true);
      if (typeof target === "object") return target;
      return { ok: true, command: target === undefined ? { verb } : { verb, target } };
    }
    case "list": {
      const bad = allowFlags(verb);
      if (bad) return bad;
      const set = oneArgument(verb, "set", true);
      if (typeof set === "object") return set;
      const failedOnly = flags.includes("--failed");
      return { ok: true, command: set === undefined ? { verb, failedOnly } : { verb, set, failedOnly } };
    }
    case "subscribe": {
      // --mention takes the next token as its value.
      let failuresOnly = false;
      let mention: Mention | undefined;
      const positional: string[] = [];
      for (let i = 0; i < rest.length; i++) {
        const token = rest[i] ?? "";
        if (token === "--failures-only") failuresOnly = true;
        else if (token === "--mention" || token.startsWith("--mention=")) {
          const raw = token.includes("=") ? token.slice("--mention=".length) : rest[++i];
          if (!raw) return fail(verb, "--mention needs someone to mention (@user, @group or @here).");
          mention = parseMention(raw);
          if (!mention) return fail(verb, `--mention takes a Slack @user, @group or @here; "${raw}" is none of those.`);
        } else if (token.startsWith("--")) return fail(verb, `Unknown option ${token} for subscribe.`);
        else positional.push(token);
      }
      if (positional.length !== 1) {
        return fail(verb, positional.length === 0 ? "subscribe needs a set." : "subscribe takes one set (quote names with spaces).");
      }
      const set = positional[0] ?? "";
      const problem = checkArgument(verb, "set", set);
      if (problem) return fail(verb, `The ${problem}.`);
      return { ok: true, command: mention ? { verb, set, failuresOnly, mention } : { verb, set, failuresOnly } };
    }
    default: {
      const close = VERBS.filter((v) => editDistance(v, verb) <= 2);
      const hint = close.length > 0 ? ` Did you mean ${close.map((v) => `\`${v}\``).join(" or ")}?` : "";
      return fail(undefined, `Unknown command "${first}".${hint}`);
    }
  }
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
