/**
 * Structured logs: one JSON line per event, naming the event, its run id and its outcome.
 * Callers pass ids and counts, never credentials; `errorFields` keeps only name and message.
 */
export type LogFields = Record<string, string | number | boolean | null | undefined | string[]>;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

const LEVELS = ["info", "warn", "error"] as const;
export type LogLevel = (typeof LEVELS)[number];

/** JSON lines on stderr; `minLevel` quiets a terminal (local mode logs warnings and errors only). */
export function jsonLogger(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`), minLevel: LogLevel = "info"): Logger {
  const emit = (level: LogLevel) =>
    LEVELS.indexOf(level) < LEVELS.indexOf(minLevel)
      ? () => {}
      : (event: string, fields: LogFields = {}) => write(JSON.stringify({ time: new Date().toISOString(), level, event, ...fields }));
  return { info: emit("info"), warn: emit("warn"), error: emit("error") };
}

export function isLogLevel(value: string | undefined): value is LogLevel {
  return (LEVELS as readonly string[]).includes(value ?? "");
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

export function errorFields(error: unknown): LogFields {
  return error instanceof Error ? { error: error.name, message: error.message } : { error: String(error) };
}
