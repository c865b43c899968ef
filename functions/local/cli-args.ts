/**
 * The `simwatch` command line, read with node:util's parseArgs. Each command's options are
 * declared once, in COMMAND_OPTIONS; a verb takes its slash-command flags (VERB_FLAGS) on top
 * of the terminal's own. A mistake gets a sentence; a missing value is never taken from the
 * next option. An option given more than once where it may be (`--user`) collects its values, comma-separated.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { VERB_FLAGS, type Verb } from "../core/commands/commands.js";

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig["options"]>;

export interface CommandOptions {
  options: ParseArgsOptionsConfig;
  /** Whether the command reads words (positionals) besides its options. */
  words: boolean;
  /** Options that belong to the slash command's text, handed on to its parser in place. */
  passOn?: readonly string[];
}

/** A verb of the slash command: `--channel`, its slash-command flags, and any option of its own here. */
function verb(name: Verb, own: ParseArgsOptionsConfig = {}): CommandOptions {
  const flags = Object.entries(VERB_FLAGS[name]).map(([flag, type]) => [flag, { type }] as const);
  return { options: { channel: { type: "string" }, ...own, ...Object.fromEntries(flags) }, words: true, passOn: flags.map(([flag]) => flag) };
}

/** The CI gate's options, for `run ... --wait` and `wait`. */
const GATE_OPTIONS = {
  timeout: { type: "string" },
  junit: { type: "string" },
  json: { type: "boolean" },
  "cancel-on-timeout": { type: "boolean" },
} as const satisfies ParseArgsOptionsConfig;

/** Every command's options, declared here and nowhere else. */
export const COMMAND_OPTIONS = {
  serve: { options: {}, words: false },
  poll: { options: {}, words: false },
  slash: {
    options: { url: { type: "string" }, user: { type: "string" }, channel: { type: "string" }, wait: { type: "string" } },
    words: true,
  },
  // --wait makes it the CI gate (ci-gate-args.ts reads the rest).
  run: verb("run", { ...GATE_OPTIONS, wait: { type: "boolean" } }),
  cancel: verb("cancel"),
  status: verb("status"),
  list: verb("list"),
  subscribe: verb("subscribe"),
  unsubscribe: verb("unsubscribe"),
  subscriptions: verb("subscriptions"),
  schedule: verb("schedule"),
  schedules: verb("schedules"),
  unschedule: verb("unschedule"),
  report: verb("report"),
  wait: { options: GATE_OPTIONS, words: true },
  home: { options: { user: { type: "string", multiple: true }, refresh: { type: "boolean" } }, words: false },
  // `archive rebuild-pages [--restart]`: the archive's pages for runs archived before them.
  archive: { options: { restart: { type: "boolean" } }, words: true },
} satisfies Record<"serve" | "poll" | "slash" | "wait" | "home" | "archive" | Exclude<Verb, "help">, CommandOptions>;

export type CommandName = keyof typeof COMMAND_OPTIONS;

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMAND_OPTIONS, name);
}

/** A command's own options, by name: a string, or true for a boolean given. */
export type OptionValues = Record<string, string | boolean | undefined>;

export type ParsedCommandLine =
  | {
      ok: true;
      values: OptionValues;
      /** Words and passed-on flags, in the order given (`--mention`, `@here`, ...). */
      words: string[];
    }
  | { ok: false; error: string };

/** Reads `args` (what follows the command's name) against the command's declared options. */
export function parseCommandLine(command: CommandName, args: readonly string[]): ParsedCommandLine {
  const spec: CommandOptions = COMMAND_OPTIONS[command];
  // Non-strict so that every mistake gets our own sentence; the checks below are strict.
  const { tokens } = parseArgs({ args: [...args], options: spec.options, strict: false, allowPositionals: true, tokens: true });
  const values: OptionValues = {};
  const words: string[] = [];
  for (const token of tokens) {
    if (token.kind === "option-terminator") continue;
    if (token.kind === "positional") {
      if (!spec.words) return { ok: false, error: `${command} takes no arguments; got "${token.value}".` };
      words.push(token.value);
      continue;
    }
    const type = spec.options[token.name]?.type;
    if (type === undefined) return { ok: false, error: `Unknown option ${token.rawName} for ${command}.` };
    if (type === "boolean" && token.value !== undefined) return { ok: false, error: `${token.rawName} takes no value.` };
    // A value that looks like an option is a forgotten value (`--channel --failed`), unless given as --name=value.
    if (type === "string" && (token.value === undefined || (!token.inlineValue && token.value.startsWith("-")))) {
      const got = token.value === undefined ? "" : `, not the option ${token.value}`;
      return { ok: false, error: `${token.rawName} needs a value${got}: ${token.rawName} <value> or ${token.rawName}=<value>.` };
    }
    if (spec.passOn?.includes(token.name)) words.push(`--${token.name}`, ...(type === "string" ? [token.value as string] : []));
    else if (spec.options[token.name]?.multiple && typeof values[token.name] === "string") values[token.name] = `${values[token.name]},${token.value}`;
    else values[token.name] = token.value ?? true;
  }
  return { ok: true, values, words };
}
