/** Errors the bus adapters throw: named, so a caller can branch on them. */
import type { DetailType } from "../core/events.js";

/** An event too large for one EventBridge entry that cannot travel by reference. */
export class EventTooLargeError extends Error {
  override readonly name = "EventTooLargeError";
  constructor(
    readonly detailType: DetailType,
    readonly sizeBytes: number,
    readonly limitBytes: number,
  ) {
    super(
      `A "${detailType}" event is ${sizeBytes} bytes, over EventBridge's ${limitBytes}-byte entry limit, and only a "Run Finished" summary can travel by reference`,
    );
  }
}

export interface FailedEntry {
  detailType: DetailType;
  runId?: string;
  errorCode: string;
  errorMessage?: string;
}

/** Some entries were still refused by PutEvents after every retry. */
export class PublishFailedError extends Error {
  override readonly name = "PublishFailedError";
  constructor(
    readonly failed: readonly FailedEntry[],
    readonly total: number,
    readonly attempts: number,
    /** Positions, in the published list, of the events not delivered (the others were). */
    readonly undelivered: readonly number[] = [],
  ) {
    const codes = [...new Set(failed.map((entry) => entry.errorCode))].join(", ");
    super(`${failed.length} of ${total} events were not accepted by EventBridge after ${attempts} attempts (error codes: ${codes})`);
  }
}

/** A Lambda event that is not a well-formed simwatch event. */
export class EventDecodeError extends Error {
  override readonly name = "EventDecodeError";
  constructor(readonly problems: readonly string[]) {
    super(`Not a simwatch event: ${problems.join("; ")}`);
  }
}

/** `publish` on an InProcessBus after `close()`. */
export class BusClosedError extends Error {
  override readonly name = "BusClosedError";
  constructor() {
    super("The in-process bus is closed; nothing more can be published");
  }
}
