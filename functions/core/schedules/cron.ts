/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week), read strictly and
 * rewritten in one normal form: every field either `*` or an explicit list of values and
 * ranges (`*\/15` becomes `0,15,30,45`, month and day names become numbers). The normal form
 * means the same thing to the local evaluator (croner) and to EventBridge Scheduler, whose
 * six-field `cron(...)` differs in day-of-week numbering, `?` and steps; awsCron writes it.
 */

export interface CronField {
  /** `*`, or the values allowed, ascending. */
  values: "*" | readonly number[];
}

export interface Cron {
  minute: CronField;
  hour: CronField;
  dayOfMonth: CronField;
  month: CronField;
  /** 0 = Sunday ... 6 = Saturday (7 is read as Sunday too). */
  dayOfWeek: CronField;
}

export type CronParse = { ok: true; cron: Cron } | { ok: false; error: string };

interface FieldSpec {
  key: keyof Cron;
  label: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** Index of names[0]. */
  namesFrom?: number;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const FIELDS: readonly FieldSpec[] = [
  { key: "minute", label: "minute", min: 0, max: 59 },
  { key: "hour", label: "hour", min: 0, max: 23 },
  { key: "dayOfMonth", label: "day of month", min: 1, max: 31 },
  { key: "month", label: "month", min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  { key: "dayOfWeek", label: "day of week", min: 0, max: 7, names: DAYS, namesFrom: 0 },
];

function valueOf(spec: FieldSpec, text: string): number | undefined {
  if (/^\d{1,2}$/.test(text)) {
    const n = Number(text);
    return n >= spec.min && n <= spec.max ? n : undefined;
  }
  const index = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  return index >= 0 ? index + (spec.namesFrom ?? 0) : undefined;
}

/** One comma-separated item: `*`, `n`, `a-b`, each optionally `/step`. */
function expandItem(spec: FieldSpec, item: string): number[] | string {
  const [range = "", stepText, extra] = item.split("/");
  if (extra !== undefined) return `"${item}" has more than one /`;
  const step = stepText === undefined ? 1 : /^\d{1,2}$/.test(stepText) ? Number(stepText) : Number.NaN;
  if (!Number.isInteger(step) || step < 1) return `"${item}" has a step that is not a positive whole number`;
  let from: number | undefined;
  let to: number | undefined;
  if (range === "*") [from, to] = [spec.min, spec.key === "dayOfWeek" ? 6 : spec.max];
  else if (range.includes("-")) {
    const [a = "", b = ""] = range.split("-");
    [from, to] = [valueOf(spec, a), valueOf(spec, b)];
    if (from !== undefined && to !== undefined && from > to) return `"${item}" is a range that runs backwards`;
  } else {
    from = valueOf(spec, range);
    to = stepText === undefined ? from : spec.key === "dayOfWeek" ? 6 : spec.max;
  }
  if (from === undefined || to === undefined) return `"${item}" is not a ${spec.label} (${spec.min}-${spec.max}${spec.names ? " or a name" : ""})`;
  const values: number[] = [];
  for (let n = from; n <= to; n += step) values.push(spec.key === "dayOfWeek" && n === 7 ? 0 : n);
  return values;
}

function parseField(spec: FieldSpec, text: string): CronField | string {
  if (text === "*") return { values: "*" };
  const all = new Set<number>();
  for (const item of text.split(",")) {
    if (item === "") return `the ${spec.label} field "${text}" has an empty item`;
    const expanded = expandItem(spec, item);
    if (typeof expanded === "string") return `the ${spec.label} field: ${expanded}`;
    for (const n of expanded) all.add(n);
  }
  return { values: [...all].sort((a, b) => a - b) };
}

export function parseCron(expression: string): CronParse {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5 || parts[0] === "") {
    return { ok: false, error: `a cron expression has five fields (minute hour day-of-month month day-of-week); "${expression.trim()}" has ${parts[0] === "" ? 0 : parts.length}` };
  }
  const fields: Partial<Cron> = {};
  for (const [index, spec] of FIELDS.entries()) {
    const field = parseField(spec, parts[index] ?? "");
    if (typeof field === "string") return { ok: false, error: field };
    fields[spec.key] = field;
  }
  const cron = fields as Cron;
  if (cron.minute.values === "*") return { ok: false, error: "that cron expression starts a run every minute; give the minute(s) of the hour" };
  if (cron.dayOfMonth.values !== "*" && cron.dayOfWeek.values !== "*") {
    return { ok: false, error: "give a day of month or a day of week, not both (cron reads both as either-or, which is rarely what is meant)" };
  }
  return { ok: true, cron };
}

/** `0,1,2,3,5` -> `0-3,5`. */
function listText(values: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length; i++) {
    const start = values[i] ?? 0;
    let end = start;
    while (values[i + 1] === end + 1) end = values[++i] ?? end;
    parts.push(end > start + 1 ? `${start}-${end}` : end === start + 1 ? `${start},${end}` : `${start}`);
  }
  return parts.join(",");
}

const fieldText = (field: CronField) => (field.values === "*" ? "*" : listText(field.values));

/** The normal five-field form (what croner evaluates and what people are shown). */
export function cronText(cron: Cron): string {
  return [cron.minute, cron.hour, cron.dayOfMonth, cron.month, cron.dayOfWeek].map(fieldText).join(" ");
}

/** EventBridge Scheduler's `cron(min hour dom month dow year)`: days of week 1-7 from Sunday, `?` for the unused day field. */
export function awsCron(cron: Cron): string {
  const dayOfWeek = cron.dayOfWeek.values === "*" ? "?" : listText(cron.dayOfWeek.values.map((day) => day + 1));
  const dayOfMonth = cron.dayOfWeek.values === "*" ? fieldText(cron.dayOfMonth) : "?";
  return `cron(${fieldText(cron.minute)} ${fieldText(cron.hour)} ${dayOfMonth} ${fieldText(cron.month)} ${dayOfWeek} *)`;
}

/** Whether a wall-clock time (in the schedule's zone) is one the expression names. */
export function cronMatches(cron: Cron, wall: { minute: number; hour: number; day: number; month: number; weekday: number }): boolean {
  const has = (field: CronField, value: number) => field.values === "*" || field.values.includes(value);
  return has(cron.minute, wall.minute) && has(cron.hour, wall.hour) && has(cron.dayOfMonth, wall.day) && has(cron.month, wall.month) && has(cron.dayOfWeek, wall.weekday);
}
