/**
 * Every Amigo list endpoint pages the same way: pass `continuation_token` (an integer,
 * 0 first), read items, go on while `has_more`. One request per page.
 */
import { AmigoResponseError } from "../core/model/amigo-errors.js";
import { type AmigoEndpoint, describeEndpoint } from "./endpoints.js";

export interface Page<T> {
  items: readonly T[];
  has_more: boolean;
  continuation_token: number | null;
}

export async function* allPages<T>(
  endpoint: AmigoEndpoint,
  fetchPage: (continuationToken: number) => Promise<Page<T>>,
): AsyncGenerator<T, void, undefined> {
  let token = 0;
  for (;;) {
    const page = await fetchPage(token);
    yield* page.items;
    if (!page.has_more) return;
    // A server that says "more" without a new token would have us loop forever.
    if (page.continuation_token === null || page.continuation_token === token) {
      throw new AmigoResponseError(
        `Amigo answered ${describeEndpoint(endpoint)} with has_more=true but continuation_token=${page.continuation_token}`,
        { endpoint: describeEndpoint(endpoint), fieldPaths: ["continuation_token"] },
      );
    }
    token = page.continuation_token;
  }
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < items.length; index += size) out.push(items.slice(index, index + size));
  return out;
}
