/**
 * Structured logging for the client: one JSON object per event. The client never puts
 * a header, credential or token into an entry, and passes every string through the
 * redactor before it reaches a logger.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export interface LogEntry {
  level: LogLevel;
  event: string;
  [field: string]: unknown;
}

export interface AmigoLogger {
  log(entry: LogEntry): void;
}

/** Writes each entry as one JSON line (stderr by default, so stdout stays for command output). */
export function jsonLineLogger(write: (line: string) => void = (line) => process.stderr.write(line)): AmigoLogger {
  return {
    log(entry) {
      write(`${JSON.stringify({ time: new Date().toISOString(), source: "amigo-client", ...entry })}\n`);
    },
  };
}

export const silentLogger: AmigoLogger = { log() {} };
