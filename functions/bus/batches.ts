/**
 * Splits items into PutEvents requests: at most `maxEntries` per request and a total entry
 * size under `maxBytes` per request, keeping their order. An item that is not under
 * `maxBytes` on its own is the caller's to refuse before batching.
 */
export function batchBySize<T>(
  items: readonly T[],
  sizeOf: (item: T) => number,
  limits: { maxEntries: number; maxBytes: number },
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length >= limits.maxEntries || currentBytes + size >= limits.maxBytes)) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
