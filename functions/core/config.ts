/**
 * Configuration (DESIGN.md, Configuration): parsed once at the edge from the environment
 * (and, in Lambda, the secret's JSON) into a typed object. Nothing deeper reads process.env.
 */
import { z } from "zod";

const optionalText = z
  .string()
  .transform((value) => value.trim())
  .optional()
  .transform((value) => (value === undefined || value === "" ? undefined : value));

const idList = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? "")
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== ""),
  );

const url = (name: string) =>
  z
    .string()
    .trim()
    .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
      message: `${name} must be an http(s) URL`,
    });

const positiveInt = (name: string) =>
  z.coerce.number({ message: `${name} must be a number` }).int().positive({ message: `${name} must be a positive whole number` });

export const ConfigSchema = z
  .object({
    AMIGO_API_URL: url("AMIGO_API_URL").default("https://api.amigo.ai"),
    AMIGO_ORG_ID: optionalText,
    AMIGO_API_KEY: optionalText,
    AMIGO_API_KEY_ID: optionalText,
    AMIGO_USER_ID: optionalText,
    SLACK_BOT_TOKEN: optionalText,
    SLACK_SIGNING_SECRET: optionalText,
    SLACK_API_URL: url("SLACK_API_URL").default("https://slack.com/api/"),
    SLACK_DEFAULT_CHANNEL: optionalText,
    SLACK_ALLOWED_USERS: idList,
    SLACK_ALLOWED_CHANNELS: idList,
    ARCHIVE_BUCKET: optionalText,
    ARCHIVE_PREFIX: z.string().default("runs/"),
    S3_ENDPOINT: optionalText.pipe(z.string().url({ message: "S3_ENDPOINT must be a URL" }).optional()),
    ARCHIVE_DIR: z.string().trim().min(1).default("./archive"),
    EVENT_BUS_NAME: optionalText,
    POLL_INTERVAL_SECONDS: positiveInt("POLL_INTERVAL_SECONDS").optional(),
    PORT: positiveInt("PORT").max(65535, { message: "PORT must be at most 65535" }).default(8787),
    /** How long a run stays watched before simwatch gives up on it (hours). */
    GIVE_UP_AFTER_HOURS: positiveInt("GIVE_UP_AFTER_HOURS").default(48),
  })
  .superRefine((config, ctx) => {
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
    if (config.ARCHIVE_PREFIX.startsWith("_simwatch")) {
      ctx.addIssue({ code: "custom", path: ["ARCHIVE_PREFIX"], message: "ARCHIVE_PREFIX must not be inside _simwatch/, where state lives" });
    }
  });

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
