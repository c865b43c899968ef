/** Reading paged listings (AsyncIterables that fetch a page at a time). */

/** The first `max` items of a paged listing (stops paging once it has them). */
export async function take<T>(items: AsyncIterable<T>, max: number): Promise<T[]> {
  const taken: T[] = [];
  if (max <= 0) return taken;
  for await (const item of items) {
    taken.push(item);
    if (taken.length >= max) break;
  }
  return taken;
}
