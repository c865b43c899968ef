/**
 * The words of a command as people type them. After the verb, everything up to the first
 * `--flag` is a name (`/sim run Checkout flows`), quoted or not; what follows are options and
 * their values. A quoted word is never an option, so a name containing `--` is quoted. A verb
 * whose argument is more than a name (`<set> <when>`) splits `nameWords` itself, then names
 * the rest with `nameOf`. Typed as Slack delivers it: an em or en dash before a flag
 * (`—failures-only`, macOS's smart dashes) reads as `--`, and no-break spaces as spaces.
 */

/** One word: its text (quotes removed), whether it was quoted, and the whitespace before it. */
export interface Word {
  text: string;
  quoted: boolean;
  before: string;
}

/** Spaces that look like one: no-break, narrow no-break and figure spaces (macOS and pasted text). */
const SPACE_LOOKALIKES = /[\u00a0\u2007\u202f]/g;

/** An em or en dash (macOS turns a typed `--` into one), optionally followed by a hyphen, before a flag's first letter. */
const DASH_BEFORE_FLAG = /^[\u2014\u2013]-?(?=[A-Za-z])/;

/** A bare word as typed, with a dash that stands for `--` before a flag read as `--`. */
function bareWord(text: string): string {
  return text.replace(DASH_BEFORE_FLAG, "--");
}

/** Splits on whitespace, keeping "quoted names" (straight or curly quotes) together. */
export function readWords(text: string): Word[] | { error: string } {
  const words: Word[] = [];
  const pattern = /"([^"]*)"|“([^”]*)”|'([^']*)'|(\S+)/g;
  const normalized = text.replace(SPACE_LOOKALIKES, " ").trim();
  let consumed = 0;
  for (const match of normalized.matchAll(pattern)) {
    const between = normalized.slice(consumed, match.index);
    if (/["“”]/.test(between)) return { error: "unbalanced quotes" };
    consumed = match.index + match[0].length;
    const bare = match[4];
    if (bare !== undefined && /["“”]/.test(bare)) return { error: "unbalanced quotes" };
    words.push({ text: match[1] ?? match[2] ?? match[3] ?? bareWord(bare ?? ""), quoted: bare === undefined, before: between });
  }
  return words;
}

/** An unquoted word that starts with `--`. */
export function isOption(word: Word): boolean {
  return !word.quoted && word.text.startsWith("--");
}

/** The words before the first option (a name, and for some verbs more), and the options from there on. */
export function splitArguments(args: readonly Word[]): { nameWords: Word[]; options: Word[] } {
  const first = args.findIndex(isOption);
  return first === -1 ? { nameWords: [...args], options: [] } : { nameWords: args.slice(0, first), options: args.slice(first) };
}

/** The name the words spell: a quoted word's text, or the words with their own spacing; undefined when there are none. */
export function nameOf(nameWords: readonly Word[]): { name: string | undefined } | { error: string } {
  if (nameWords.length === 0) return { name: undefined };
  const [only] = nameWords;
  if (only && nameWords.length === 1) return { name: only.text };
  if (nameWords.some((word) => word.quoted)) return { error: "Quote the whole name, or none of it." };
  return { name: nameWords.map((word, index) => (index === 0 ? word.text : `${word.before}${word.text}`)).join("") };
}

/** Which options a verb takes, by name without the dashes: a switch (`--failed`) or one with a value (`--mention @qa`, `--tz=Europe/Paris`). */
export type OptionSpec = Readonly<Record<string, "boolean" | "string">>;

/** The options as given, by name without the dashes (`true` for a switch), or what is wrong with them in words. */
export function readOptions(verb: string, options: readonly Word[], spec: OptionSpec): Map<string, string | true> | { error: string } {
  const values = new Map<string, string | true>();
  for (let index = 0; index < options.length; index++) {
    const word = options[index] as Word;
    if (!isOption(word)) return { error: `“${word.text}” comes after the options; put the name first, then the options.` };
    const [flag = "", inline] = word.text.split(/=(.*)/s, 2);
    const name = flag.slice(2);
    const kind = spec[name];
    if (kind === undefined) return { error: `Unknown option ${word.text} for ${verb}. (A name that contains “--” must be quoted.)` };
    if (kind === "boolean") {
      if (inline !== undefined) return { error: `${flag} takes no value.` };
      values.set(name, true);
      continue;
    }
    const next = options[index + 1];
    const value = inline ?? (next && !isOption(next) ? next.text : undefined);
    if (value === undefined || value === "") return { error: `${flag} needs a value.` };
    if (inline === undefined) index++;
    values.set(name, value);
  }
  return values;
}
