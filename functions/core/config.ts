/**
 * Configuration (every variable is in docs/configuration.md): parsed once at the
 * edge from the environment (and, in Lambda, the secret's JSON) into a typed object. Nothing
 * deeper reads process.env.
 */
// zod/mini: the same validation with a tree-shakable API, so the small slack-http bundle
// does not carry all of zod (full zod is ~445 KB of it; this is a few KB).
import * as z from "zod/mini";
import { baseUrlProblem } from "./outbound-urls.js";
import "./util/zod-locale.js";

const blankToUndefined = (value: string | undefined) => {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
};

const optionalText = z.pipe(z.optional(z.string()), z.transform(blankToUndefined));

const idList = z.pipe(
  z.optional(z.string()),
  z.transform((value) =>
    (value ?? "")
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== ""),
  ),
);

/** A base URL simwatch sends credentials to: https, or plain http on this machine only. */
const baseUrl = (name: string, fallback: string) =>
  z._default(
    z.string().check(
      z.trim(),
      z.superRefine((value, ctx) => {
        const problem = baseUrlProblem(value);
        if (problem) ctx.addIssue({ code: "custom", input: value, message: `${name} ${problem}` });
      }),
    ),
    fallback,
  );

const positiveInt = (name: string) =>
  z.coerce.number({ error: `${name} must be a number` }).check(
    z.int({ error: `${name} must be a positive whole number` }),
    z.positive({ error: `${name} must be a positive whole number` }),
  );

export const DEFAULT_ARCHIVE_MAX_BYTES = 20 * 1024 ** 3;

export const ConfigSchema = z
  .object({
    AMIGO_API_URL: baseUrl("AMIGO_API_URL", "https://api.amigo.ai"),
    AMIGO_ORG_ID: optionalText,
    AMIGO_API_KEY: optionalText,
    AMIGO_API_KEY_ID: optionalText,
    AMIGO_USER_ID: optionalText,
    SLACK_BOT_TOKEN: optionalText,
    SLACK_SIGNING_SECRET: optionalText,
    SLACK_API_URL: baseUrl("SLACK_API_URL", "https://slack.com/api/"),
    SLACK_DEFAULT_CHANNEL: optionalText,
    SLACK_ALLOWED_USERS: idList,
    SLACK_ALLOWED_CHANNELS: idList,
    /** Slack workspaces (team ids T…) or Enterprise Grid organizations (E…) requests may come from; empty = any. */
    SLACK_TEAM_ID: idList,
    ARCHIVE_BUCKET: optionalText,
    ARCHIVE_PREFIX: z._default(z.string(), "runs/"),
    S3_ENDPOINT: z.pipe(
      optionalText,
      z.optional(z.string().check(z.refine((value) => URL.canParse(value), { error: "S3_ENDPOINT must be a URL" }))),
    ),
    /** Public base URL of the archive browser, for links in Slack (the stack sets it; locally the serve address + /archive/). */
    ARCHIVE_WEB_URL: z.pipe(
      optionalText,
      z.optional(z.string().check(z.refine((value) => URL.canParse(value), { error: "ARCHIVE_WEB_URL must be a URL" }))),
    ),
    /** Sign in with Slack for the archive browser in AWS (archive-web): the Slack app's OpenID Connect client. */
    SLACK_CLIENT_ID: optionalText,
    SLACK_CLIENT_SECRET: optionalText,
    /** Signs archive-web's session cookies (HMAC); at least 32 characters. */
    ARCHIVE_WEB_COOKIE_KEY: z.pipe(
      optionalText,
      z.optional(z.string().check(z.minLength(32, { error: "ARCHIVE_WEB_COOKIE_KEY must be at least 32 characters (e.g. openssl rand -base64 32)" }))),
    ),
    /** Slack's OpenID Connect issuer (tests point it at a stand-in on loopback). */
    SLACK_OIDC_ISSUER: baseUrl("SLACK_OIDC_ISSUER", "https://slack.com"),
    ARCHIVE_DIR: z._default(z.string().check(z.trim(), z.minLength(1)), "./archive"),
    EVENT_BUS_NAME: optionalText,
    POLL_INTERVAL_SECONDS: z.optional(positiveInt("POLL_INTERVAL_SECONDS")),
    PORT: z._default(positiveInt("PORT").check(z.lte(65535, { error: "PORT must be at most 65535" })), 8787),
    /** How long a run stays watched before simwatch gives up on it (hours). */
    GIVE_UP_AFTER_HOURS: z._default(positiveInt("GIVE_UP_AFTER_HOURS"), 48),
    /** While runs are in progress, the poller ticks again this often inside one invocation. */
    FOLLOW_INTERVAL_SECONDS: z._default(positiveInt("FOLLOW_INTERVAL_SECONDS"), 10),
    COMMAND_BUDGET_SECONDS: z._default(positiveInt("COMMAND_BUDGET_SECONDS"), 50),
    /** Markers, per-run state and command records older than this are deleted (never settings). */
    STATE_RETENTION_DAYS: z._default(positiveInt("STATE_RETENTION_DAYS"), 30),
    /** The largest artifact file the archiver accepts, bytes; a longer body is cut off and the archive refused. */
    ARCHIVE_BUDGET_SECONDS: z.optional(positiveInt("ARCHIVE_BUDGET_SECONDS")),
    ARCHIVE_MAX_BYTES: z._default(positiveInt("ARCHIVE_MAX_BYTES").check(z.lte(Number.MAX_SAFE_INTEGER, { error: "ARCHIVE_MAX_BYTES is too large" })), DEFAULT_ARCHIVE_MAX_BYTES),
    /** EventBridge Scheduler group that holds one schedule per simwatch schedule (the stack sets these four). */
    SCHEDULE_GROUP_NAME: optionalText,
    /** The role those schedules assume to put `Scheduled Run Due` on the bus. */
    SCHEDULER_ROLE_ARN: optionalText,
    EVENT_BUS_ARN: optionalText,
    /** Where a due time EventBridge Scheduler could not deliver goes (SQS). */
    SCHEDULE_DEAD_LETTER_ARN: optionalText,
  })
  .check(
    z.superRefine((config, ctx) => {
      const amigo = ["AMIGO_ORG_ID", "AMIGO_API_KEY", "AMIGO_API_KEY_ID", "AMIGO_USER_ID"] as const;
      const set = amigo.filter((name) => config[name] !== undefined);
      if (set.length > 0 && set.length < amigo.length) {
        for (const name of amigo.filter((n) => config[n] === undefined)) {
          ctx.addIssue({ code: "custom", path: [name], message: `${name} is missing (the Amigo credentials come as a set of four: ${amigo.join(", ")})` });
        }
      }
      if (config.ARCHIVE_PREFIX !== "" && !config.ARCHIVE_PREFIX.endsWith("/")) {
        ctx.addIssue({ code: "custom", path: ["ARCHIVE_PREFIX"], message: "ARCHIVE_PREFIX must end with / (or be empty)" });
      }
      // A run is watched for GIVE_UP_AFTER_HOURS; its state must outlive that by a day at least.
      if (config.STATE_RETENTION_DAYS * 24 < config.GIVE_UP_AFTER_HOURS + 24) {
        ctx.addIssue({
          code: "custom",
          path: ["STATE_RETENTION_DAYS"],
          message: "STATE_RETENTION_DAYS must be at least a day longer than GIVE_UP_AFTER_HOURS, or state of watched runs would expire",
        });
      }
      if (config.SCHEDULE_GROUP_NAME !== undefined) {
        for (const name of ["SCHEDULER_ROLE_ARN", "EVENT_BUS_ARN"] as const) {
          if (config[name] === undefined) ctx.addIssue({ code: "custom", path: [name], message: `${name} is required with SCHEDULE_GROUP_NAME (the schedules' role and target)` });
        }
      }
      if (config.ARCHIVE_PREFIX.startsWith("_simwatch")) {
        ctx.addIssue({ code: "custom", path: ["ARCHIVE_PREFIX"], message: "ARCHIVE_PREFIX must not be inside _simwatch/, where state lives" });
      }
    }),
  );

export type Config = z.output<typeof ConfigSchema>;

export interface AmigoCredentials {
  orgId: string;
  apiKey: string;
  apiKeyId: string;
  userId: string;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`Bad configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join("\n")}`);
  }
}

/** Parses the environment; a bad value throws ConfigError naming the variable (never its value). */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = ConfigSchema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? "configuration"), message: issue.message })),
  );
}

export function amigoCredentials(config: Config): AmigoCredentials | undefined {
  const { AMIGO_ORG_ID: orgId, AMIGO_API_KEY: apiKey, AMIGO_API_KEY_ID: apiKeyId, AMIGO_USER_ID: userId } = config;
  return orgId && apiKey && apiKeyId && userId ? { orgId, apiKey, apiKeyId, userId } : undefined;
}

/** What the credentials secret of the poller, archiver, notifier and command worker holds. */
export const CREDENTIAL_KEYS = ["AMIGO_ORG_ID", "AMIGO_API_KEY", "AMIGO_API_KEY_ID", "AMIGO_USER_ID", "SLACK_BOT_TOKEN"] as const;
/** What slack-http's own secret holds: all that the internet-facing function can read. */
export const SIGNING_SECRET_KEYS = ["SLACK_SIGNING_SECRET"] as const;

/** What archive-web's own secret holds: Sign in with Slack's client and its cookie key, nothing else. */
export const ARCHIVE_WEB_SECRET_KEYS = ["SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "ARCHIVE_WEB_COOKIE_KEY"] as const;

/** The Lambda secret's JSON (same key names as the environment). Errors never echo its content. */
export function parseSecretJson(text: string | undefined): Record<string, string> {
  if (text === undefined || text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError([{ variable: "SECRET_ARN", message: "the secret is not valid JSON (expected an object of strings)" }]);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError([{ variable: "SECRET_ARN", message: "the secret must be a JSON object of strings" }]);
  }
  const entries = Object.entries(value);
  const wrong = entries.filter(([, item]) => typeof item !== "string").map(([key]) => key);
  if (wrong.length > 0) {
    throw new ConfigError([{ variable: "SECRET_ARN", message: `these secret keys are not strings: ${wrong.join(", ")}` }]);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}
