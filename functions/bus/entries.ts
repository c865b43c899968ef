/**
 * SimwatchEvent -> PutEvents entry. An entry over the size limit travels by reference when
 * it can (a "Run Finished" summary moves to the state store, the detail keeps `summaryRef`);
 * any other oversize event is refused with EventTooLargeError.
 */
import type { PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { EVENT_SOURCE, type SimwatchEvent } from "../core/events.js";
import type { StateStore } from "../core/ports.js";
import { entrySize } from "./entry-size.js";
import { EventTooLargeError } from "./errors.js";
import type { Logger } from "../core/log.js";
import { storeRunSummary } from "./summary-store.js";

export interface PreparedEntry {
  event: SimwatchEvent;
  entry: PutEventsRequestEntry;
  size: number;
}

export function toEntry(event: SimwatchEvent, busName: string): PutEventsRequestEntry {
  return {
    Source: EVENT_SOURCE,
    DetailType: event.detailType,
    Detail: JSON.stringify(event.detail),
    EventBusName: busName,
  };
}

function prepared(event: SimwatchEvent, busName: string): PreparedEntry {
  const entry = toEntry(event, busName);
  return { event, entry, size: entrySize(entry) };
}

/** The run an event is about, for logs and error reports. */
export function runIdOf(event: SimwatchEvent): string | undefined {
  return "runId" in event.detail ? event.detail.runId : undefined;
}

export async function prepareEntry(
  event: SimwatchEvent,
  options: { busName: string; state?: StateStore; maxEntryBytes: number; log: Logger },
): Promise<PreparedEntry> {
  const inline = prepared(event, options.busName);
  if (inline.size < options.maxEntryBytes) return inline;

  if (event.detailType === "Run Finished" && event.detail.summary !== undefined && options.state) {
    const { summary, ...rest } = event.detail;
    const { key, outcome } = await storeRunSummary(options.state, rest.runId, summary);
    options.log.info("bus.summary_by_reference", {
      detailType: event.detailType,
      runId: rest.runId,
      inlineBytes: inline.size,
      summaryRef: key,
      outcome,
    });
    const byReference = prepared({ detailType: "Run Finished", detail: { ...rest, summaryRef: key } }, options.busName);
    if (byReference.size < options.maxEntryBytes) return byReference;
    throw new EventTooLargeError(event.detailType, byReference.size, options.maxEntryBytes);
  }
  throw new EventTooLargeError(event.detailType, inline.size, options.maxEntryBytes);
}
