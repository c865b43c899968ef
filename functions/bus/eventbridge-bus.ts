/**
 * EventBus on an EventBridge custom bus: PutEvents in requests of at most 10 entries and
 * under 256 KB, oversize "Run Finished" summaries by reference through the state store,
 * refused entries retried with backoff (only those). The wire call is a transport: the SDK
 * client (eventbridge-sdk.ts, throttling and 5xx retried by the SDK) or a signed HTTPS call
 * (eventbridge-http.ts, for the small slack-http bundle); everything else lives here, once.
 */
import type { PutEventsRequestEntry, PutEventsResultEntry } from "@aws-sdk/client-eventbridge";
import type { SimwatchEvent } from "../core/events.js";
import type { EventBus, StateStore } from "../core/ports.js";
import { backoffDelay, sleep } from "../core/util/backoff.js";
import { batchBySize } from "./batches.js";
import { MAX_ENTRIES_PER_REQUEST, MAX_ENTRY_BYTES, MAX_REQUEST_BYTES } from "./entry-size.js";
import { type PreparedEntry, prepareEntry, runIdOf } from "./entries.js";
import { type FailedEntry, PublishFailedError } from "./errors.js";
import { errorFields, jsonLogger, type Logger } from "../core/log.js";

export interface EventBridgeRetrySettings {
  /** Tries per entry that PutEvents refuses (FailedEntryCount > 0), the first included. */
  entryAttempts: number;
  /** Backoff between those tries: about `baseDelayMs`, doubling, at most `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_EVENTBRIDGE_RETRY: EventBridgeRetrySettings = {
  entryAttempts: 4,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
};

/** One PutEvents call: throws when the request as a whole fails (after its own retries). */
export interface PutEventsTransport {
  putEvents(entries: PutEventsRequestEntry[]): Promise<{ FailedEntryCount?: number; Entries?: PutEventsResultEntry[] }>;
  close?(): void;
}

export interface EventBridgeBusOptions {
  busName: string;
  transport: PutEventsTransport;
  /** Where oversize "Run Finished" summaries go (stateKeys.runSummary); without it they fail as too large. */
  state?: StateStore;
  retry?: Partial<EventBridgeRetrySettings>;
  log?: Logger;
  /** For tests; defaults to the real limits. */
  limits?: { maxEntryBytes?: number; maxRequestBytes?: number };
}

interface Refusal {
  item: PreparedEntry;
  errorCode: string;
  errorMessage?: string;
}

export class EventBridgeBus implements EventBus {
  readonly busName: string;
  private readonly transport: PutEventsTransport;
  private readonly state: StateStore | undefined;
  private readonly retry: EventBridgeRetrySettings;
  private readonly log: Logger;
  private readonly maxEntryBytes: number;
  private readonly maxRequestBytes: number;

  constructor(options: EventBridgeBusOptions) {
    this.busName = options.busName;
    this.state = options.state;
    this.retry = { ...DEFAULT_EVENTBRIDGE_RETRY, ...options.retry };
    this.log = options.log ?? jsonLogger();
    this.maxEntryBytes = options.limits?.maxEntryBytes ?? MAX_ENTRY_BYTES;
    this.maxRequestBytes = options.limits?.maxRequestBytes ?? MAX_REQUEST_BYTES;
    this.transport = options.transport;
  }

  /**
   * Sends every event, or throws: EventTooLargeError before anything is sent when an event
   * cannot fit, PublishFailedError when entries are still refused after every retry (the
   * others were delivered), or the SDK's error when a request fails after its own retries.
   */
  async publish(events: readonly SimwatchEvent[]): Promise<void> {
    if (events.length === 0) return;
    const options = { busName: this.busName, maxEntryBytes: this.maxEntryBytes, log: this.log, ...(this.state ? { state: this.state } : {}) };
    const prepared: PreparedEntry[] = [];
    for (const event of events) prepared.push(await prepareEntry(event, options));

    let pending = prepared;
    let refused: Refusal[] = [];
    for (let attempt = 1; attempt <= this.retry.entryAttempts; attempt++) {
      refused = await this.sendAll(pending);
      if (refused.length === 0) {
        this.log.info("bus.published", { busName: this.busName, events: events.length, attempts: attempt });
        return;
      }
      pending = refused.map((refusal) => refusal.item);
      if (attempt < this.retry.entryAttempts) {
        const delayMs = backoffDelay(attempt - 1, { baseMs: this.retry.baseDelayMs, maxMs: this.retry.maxDelayMs });
        this.log.warn("bus.entries_refused", {
          busName: this.busName,
          refused: refused.length,
          errorCodes: [...new Set(refused.map((refusal) => refusal.errorCode))],
          attempt,
          retryInMs: delayMs,
        });
        await sleep(delayMs);
      }
    }
    const failed: FailedEntry[] = refused.map(({ item, errorCode, errorMessage }) => ({
      detailType: item.event.detailType,
      ...(runIdOf(item.event) === undefined ? {} : { runId: runIdOf(item.event) }),
      errorCode,
      ...(errorMessage === undefined ? {} : { errorMessage }),
    }));
    const undelivered = refused.map(({ item }) => prepared.indexOf(item));
    const error = new PublishFailedError(failed, events.length, this.retry.entryAttempts, undelivered);
    this.log.error("bus.publish_failed", {
      busName: this.busName,
      failed: failed.length,
      total: events.length,
      errorCodes: [...new Set(failed.map((entry) => entry.errorCode))],
    });
    throw error;
  }

  /** Releases the transport's connections (an SDK client this bus's transport built). */
  close(): void {
    this.transport.close?.();
  }

  /** One pass over `items` in as few requests as the limits allow; returns what was refused. */
  private async sendAll(items: readonly PreparedEntry[]): Promise<Refusal[]> {
    const refused: Refusal[] = [];
    const batches = batchBySize(items, (item) => item.size, {
      maxEntries: MAX_ENTRIES_PER_REQUEST,
      maxBytes: this.maxRequestBytes,
    });
    for (const batch of batches) {
      const output = await this.transport
        .putEvents(batch.map((item) => item.entry))
        .catch((error: unknown) => {
          this.log.error("bus.put_events_failed", { busName: this.busName, entries: batch.length, ...errorFields(error) });
          throw error;
        });
      if ((output.FailedEntryCount ?? 0) === 0) continue;
      batch.forEach((item, index) => {
        const result: PutEventsResultEntry | undefined = output.Entries?.[index];
        if (result?.EventId !== undefined && result.ErrorCode === undefined) return;
        refused.push({
          item,
          errorCode: result?.ErrorCode ?? "MissingResultEntry",
          ...(result?.ErrorMessage === undefined ? {} : { errorMessage: result.ErrorMessage }),
        });
      });
    }
    return refused;
  }
}
