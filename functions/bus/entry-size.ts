/**
 * EventBridge's size of a PutEvents entry, measured the way AWS documents it
 * ("Calculating PutEvents event entry size"): UTF-8 bytes of Source, DetailType, Detail
 * and each resource, plus 14 bytes when Time is set. EventBusName does not count.
 */
import type { PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";

/** 256 KB: the limit for one entry, and for all entries of one request together. */
export const MAX_ENTRY_BYTES = 256 * 1024;
export const MAX_REQUEST_BYTES = 256 * 1024;
export const MAX_ENTRIES_PER_REQUEST = 10;

export function entrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time === undefined ? 0 : 14;
  size += Buffer.byteLength(entry.Source ?? "", "utf8");
  size += Buffer.byteLength(entry.DetailType ?? "", "utf8");
  size += Buffer.byteLength(entry.Detail ?? "", "utf8");
  for (const resource of entry.Resources ?? []) size += Buffer.byteLength(resource, "utf8");
  return size;
}
