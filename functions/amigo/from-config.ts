/** The Amigo client the configuration asks for, logging through the shared logger. */
import { amigoCredentials, type Config } from "../core/config.js";
import type { LogFields, Logger } from "../core/log.js";
import { type AmigoClient, createAmigoClient } from "./client.js";
import type { AmigoLogger } from "./logger.js";
import type { AmigoClientOptions } from "./options.js";

export function amigoLoggerFrom(logger: Logger): AmigoLogger {
  return {
    log({ level, event, ...fields }) {
      (level === "debug" ? logger.info : logger[level])(event, fields as LogFields);
    },
  };
}

/** Undefined when no Amigo credentials are configured (local mode then uses the simulator). */
export function amigoFromConfig(config: Config, logger: Logger, overrides: Partial<AmigoClientOptions> = {}): AmigoClient | undefined {
  const credentials = amigoCredentials(config);
  if (!credentials) return undefined;
  return createAmigoClient({ baseUrl: config.AMIGO_API_URL, credentials, logger: amigoLoggerFrom(logger), ...overrides });
}
