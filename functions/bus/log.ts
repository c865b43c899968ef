/**
 * Structured JSON log lines for the bus adapters: one event, its ids, its outcome.
 * Callers pass identifiers (detailType, runId, requestId), never an event's detail,
 * which can hold capability URLs such as Slack's response_url.
 */
export type LogLevel = "info" | "warn" | "error";

export type LogFields = Record<string, string | number | boolean | undefined | readonly string[]>;

export type BusLogger = (level: LogLevel, message: string, fields: LogFields) => void;

/** One JSON object per line on stderr. */
export const jsonLineLogger: BusLogger = (level, message, fields) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
};

export const silentLogger: BusLogger = () => {};
