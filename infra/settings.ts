/**
 * Deploy-time settings: read once from CDK context (cdk.json or `-c key=value`), validated,
 * and turned into a typed object. Every problem is reported at once, naming the context key.
 */
import type { Node } from "constructs";

export interface Settings {
  /** How often the poller runs, in whole minutes. */
  readonly scheduleMinutes: number;
  readonly defaultChannel?: string;
  readonly allowedUsers: readonly string[];
  readonly allowedChannels: readonly string[];
  /** SLACK_TEAM_ID: the Slack workspaces (T…) or Enterprise Grid organizations (E…) requests may come from. */
  readonly allowedTeams: readonly string[];
  /** Reserved concurrency of slack-http (caps what a flood of requests can take); unset = none reserved. */
  readonly slackHttpReservedConcurrency?: number;
  /** Reserved concurrency of the poller (1 = polls never overlap, and always have a slot); unset = none reserved. */
  readonly pollerReservedConcurrency?: number;
  /**
   * Reserved concurrency of the command worker: how many commands run at once, so that a burst
   * of commands stays inside Amigo's rate limits (each instance uses its share of them). Default
   * 2; "none" reserves nothing (accounts whose concurrency quota is still 10 can reserve none).
   */
  readonly commandWorkerReservedConcurrency?: number;
  /** Days after which objects under the archive prefix move to Standard-IA (0 = never). */
  readonly infrequentAccessDays: number;
  /** Days after which objects under the archive prefix move to Glacier Flexible Retrieval (0 = never). */
  readonly glacierDays: number;
  /** Days after which expiring state (markers, per-run state, command records) is deleted. */
  readonly stateRetentionDays: number;
  readonly alarmEmail?: string;
  readonly amigoApiUrl: string;
  readonly archivePrefix: string;
}

export const DEFAULT_SETTINGS = {
  scheduleMinutes: 1,
  infrequentAccessDays: 30,
  glacierDays: 180,
  stateRetentionDays: 30,
  amigoApiUrl: "https://api.amigo.ai",
  archivePrefix: "runs/",
  commandWorkerReservedConcurrency: 2,
} as const;

/** The context keys simwatch reads; `pollRate` is an alias of `scheduleRate`. */
export const CONTEXT_KEYS = [
  "scheduleRate",
  "pollRate",
  "defaultChannel",
  "allowedUsers",
  "allowedChannels",
  "allowedTeams",
  "slackHttpReservedConcurrency",
  "pollerReservedConcurrency",
  "commandWorkerReservedConcurrency",
  "infrequentAccessDays",
  "glacierDays",
  "stateRetentionDays",
  "alarmEmail",
  "amigoApiUrl",
  "archivePrefix",
] as const;
export type ContextKey = (typeof CONTEXT_KEYS)[number];

export class SettingsError extends Error {
  override readonly name = "SettingsError";
  constructor(readonly problems: readonly { key: string; message: string }[]) {
    super(
      `Bad simwatch deploy settings (CDK context, cdk.json or -c key=value):\n${problems
        .map((p) => `  ${p.key}: ${p.message}`)
        .join("\n")}`,
    );
  }
}

type Lookup = (key: ContextKey) => unknown;

/** Reads the settings from a construct's context (usually the App's node). */
export function settingsFromContext(node: Node): Settings {
  return parseSettings((key) => node.tryGetContext(key));
}

export function parseSettings(lookup: Lookup): Settings {
  const problems: { key: string; message: string }[] = [];
  /** The parsed value of `key`; undefined when it is unset, or wrong (and then reported). */
  const read = <T>(key: ContextKey, parse: (raw: unknown) => Parsed<T>): T | undefined => {
    const raw = lookup(key);
    if (!present(raw)) return undefined;
    const parsed = parse(raw);
    if (parsed.ok) return parsed.value;
    problems.push({ key, message: parsed.message });
    return undefined;
  };

  if (present(lookup("scheduleRate")) && present(lookup("pollRate"))) {
    problems.push({ key: "pollRate", message: "give scheduleRate or its alias pollRate, not both" });
  }
  const scheduleMinutes = read(present(lookup("scheduleRate")) ? "scheduleRate" : "pollRate", parseRate) ?? DEFAULT_SETTINGS.scheduleMinutes;
  const defaultChannel = read("defaultChannel", parseChannel);
  const allowedUsers = read("allowedUsers", (raw) => parseIdList(raw, /^[UW][A-Z0-9]{2,}$/, "Slack user ids (U… or W…)")) ?? [];
  const allowedChannels = read("allowedChannels", (raw) => parseIdList(raw, /^[CGD][A-Z0-9]{2,}$/, "Slack channel ids (C…, G… or D…)")) ?? [];
  const allowedTeams = read("allowedTeams", (raw) => parseIdList(raw, /^[TE][A-Z0-9]{2,}$/, "Slack team ids (T…) or Enterprise Grid ids (E…)")) ?? [];
  const slackHttpReservedConcurrency = read("slackHttpReservedConcurrency", parseConcurrency);
  const pollerReservedConcurrency = read("pollerReservedConcurrency", parseConcurrency);
  const commandWorker = read<number | "none">("commandWorkerReservedConcurrency", (raw) => (String(raw).trim() === "none" ? ok("none") : parseConcurrency(raw)));
  const commandWorkerReservedConcurrency: number | undefined = commandWorker === "none" ? undefined : (commandWorker ?? DEFAULT_SETTINGS.commandWorkerReservedConcurrency);
  const infrequentAccessDays =
    read("infrequentAccessDays", (raw) => parseDays(raw, 30, "Standard-IA takes objects at least 30 days old")) ?? DEFAULT_SETTINGS.infrequentAccessDays;
  const glacierDays = read("glacierDays", (raw) => parseDays(raw, 1, "")) ?? DEFAULT_SETTINGS.glacierDays;
  if (infrequentAccessDays > 0 && glacierDays > 0 && glacierDays < infrequentAccessDays + 30) {
    problems.push({
      key: "glacierDays",
      message: `must be at least 30 days after infrequentAccessDays (${infrequentAccessDays}), since S3 bills Standard-IA for 30 days minimum; got ${glacierDays}`,
    });
  }
  const stateRetentionDays = read("stateRetentionDays", parseRetentionDays) ?? DEFAULT_SETTINGS.stateRetentionDays;
  const alarmEmail = read("alarmEmail", parseEmail);
  const amigoApiUrl = read("amigoApiUrl", parseHttpsUrl) ?? DEFAULT_SETTINGS.amigoApiUrl;
  const archivePrefix = read("archivePrefix", parsePrefix) ?? DEFAULT_SETTINGS.archivePrefix;

  if (problems.length > 0) throw new SettingsError(problems);
  return {
    scheduleMinutes,
    ...(defaultChannel === undefined ? {} : { defaultChannel }),
    allowedUsers,
    allowedChannels,
    allowedTeams,
    ...(slackHttpReservedConcurrency === undefined ? {} : { slackHttpReservedConcurrency }),
    ...(pollerReservedConcurrency === undefined ? {} : { pollerReservedConcurrency }),
    ...(commandWorkerReservedConcurrency === undefined ? {} : { commandWorkerReservedConcurrency }),
    infrequentAccessDays,
    glacierDays,
    stateRetentionDays,
    ...(alarmEmail === undefined ? {} : { alarmEmail }),
    amigoApiUrl,
    archivePrefix,
  };
}

/** A parser returns the value or a message saying what is wrong. */
type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

function present(raw: unknown): boolean {
  return raw !== undefined && raw !== null && !(typeof raw === "string" && raw.trim() === "");
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (message: string): Parsed<never> => ({ ok: false, message });

/** "1 minute", "5 minutes", "2 hours", "rate(5 minutes)", or a bare number of minutes. */
export function parseRate(raw: unknown): Parsed<number> {
  const text = String(raw).trim().toLowerCase();
  const match = /^(?:rate\()?\s*(\d+)\s*(minute|minutes|min|m|hour|hours|h)?\s*\)?$/.exec(text);
  if (!match || (text.startsWith("rate(") !== text.endsWith(")"))) {
    return bad(`expected a rate like "1 minute", "5 minutes" or "1 hour", got ${JSON.stringify(raw)}`);
  }
  const amount = Number(match[1]);
  const minutes = match[2]?.startsWith("h") ? amount * 60 : amount;
  if (!Number.isSafeInteger(minutes) || minutes < 1) return bad("must be at least 1 minute (EventBridge Scheduler's finest rate)");
  if (minutes > 24 * 60) return bad(`must be at most 1 day (Amigo's artifact links expire long before), got ${minutes} minutes`);
  return ok(minutes);
}

function parseChannel(raw: unknown): Parsed<string> {
  const text = String(raw).trim();
  if (/^[CGD][A-Z0-9]{2,}$/.test(text)) return ok(text);
  return bad(`expected a Slack channel id such as C0123456789 (right-click the channel > Copy link), got ${JSON.stringify(raw)}`);
}

function parseIdList(raw: unknown, pattern: RegExp, what: string): Parsed<string[]> {
  const items = Array.isArray(raw) ? raw.map((item) => String(item)) : String(raw).split(",");
  const ids = items.map((item) => item.trim()).filter((item) => item !== "");
  const wrong = ids.filter((id) => !pattern.test(id));
  if (wrong.length > 0) return bad(`expected comma-separated ${what}; not ids: ${wrong.map((w) => JSON.stringify(w)).join(", ")}`);
  return ok([...new Set(ids)]);
}

function parseDays(raw: unknown, minimum: number, why: string): Parsed<number> {
  const days = typeof raw === "number" ? raw : Number(String(raw).trim());
  if (!Number.isInteger(days) || days < 0) return bad(`expected a whole number of days (0 = never), got ${JSON.stringify(raw)}`);
  if (days !== 0 && days < minimum) return bad(`must be 0 (never) or at least ${minimum}${why ? ` (${why})` : ""}, got ${days}`);
  return ok(days);
}

/** A run is watched for 48 hours (GIVE_UP_AFTER_HOURS); its state must outlive that by a day. */
export const MIN_STATE_RETENTION_DAYS = 3;

function parseRetentionDays(raw: unknown): Parsed<number> {
  const days = typeof raw === "number" ? raw : Number(String(raw).trim());
  if (!Number.isInteger(days)) return bad(`expected a whole number of days, got ${JSON.stringify(raw)}`);
  if (days < MIN_STATE_RETENTION_DAYS) {
    return bad(`must be at least ${MIN_STATE_RETENTION_DAYS} (a day longer than the 48 hours a run is watched), got ${days}`);
  }
  return ok(days);
}

/** Lambda reserved concurrency: at least 1 (0 would stop the function), at most an account's usual 1,000. */
function parseConcurrency(raw: unknown): Parsed<number> {
  const count = typeof raw === "number" ? raw : Number(String(raw).trim());
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    return bad(`expected a whole number of concurrent executions from 1 to 1000 (leave it unset to reserve none), got ${JSON.stringify(raw)}`);
  }
  return ok(count);
}

function parseEmail(raw: unknown): Parsed<string> {
  const text = String(raw).trim();
  if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text)) return ok(text);
  return bad(`expected an email address, got ${JSON.stringify(raw)}`);
}

function parseHttpsUrl(raw: unknown): Parsed<string> {
  const text = String(raw).trim();
  if (!URL.canParse(text) || new URL(text).protocol !== "https:") {
    return bad(`expected an https:// URL (the Lambda functions reach Amigo over the internet), got ${JSON.stringify(raw)}`);
  }
  return ok(text);
}

function parsePrefix(raw: unknown): Parsed<string> {
  const text = String(raw).trim();
  if (text === "") return bad("must not be empty: the archive needs a prefix of its own so lifecycle rules never touch _simwatch/ state");
  if (text.startsWith("/")) return bad(`must not start with / (S3 keys have no leading slash), got ${JSON.stringify(raw)}`);
  if (!text.endsWith("/")) return bad(`must end with /, got ${JSON.stringify(raw)}`);
  if (text.startsWith("_simwatch")) return bad("must not be inside _simwatch/, where state lives");
  if (!/^[A-Za-z0-9!_.*'()/-]+$/.test(text) || text.includes("*")) {
    return bad(`use letters, digits and - _ . ! ' ( ) / only, got ${JSON.stringify(raw)}`);
  }
  return ok(text);
}
