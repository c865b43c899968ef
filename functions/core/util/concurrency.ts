/** Maps over `items` with at most `limit` calls in flight, keeping the input order. */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** How many state-store calls a tick keeps in flight. */
export const STATE_CONCURRENCY = 16;

/**
 * Runs tasks one at a time per key, in the order they were given; different keys run side
 * by side. A task's failure is its caller's alone: the next task of the key still runs.
 */
export function oneAtATimePerKey() {
  const tails = new Map<string, Promise<unknown>>();
  return function run<R>(key: string, task: () => Promise<R>): Promise<R> {
    const previous = tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    tails.set(key, tail);
    // Forget the key once nothing more is queued behind this task.
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return result;
  };
}
