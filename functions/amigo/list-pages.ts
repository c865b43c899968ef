/**
 * The four paged list endpoints, read the same way: the page (`has_more`,
 * `continuation_token`, the array) is checked strictly, a broken one fails the call; each
 * record is checked on its own, and one that does not match is skipped with a warning
 * naming the endpoint, its position, its id and the failing fields, so the others go on.
 */
import * as z from "zod/mini";
import { MetricEvaluationResult, Run, UnitTest, UnitTestSet } from "../core/model/amigo-model.js";
import { allPages, type Page } from "./paging.js";
import type { QueryValue } from "./query.js";
import type { AmigoCaller } from "./requester.js";
import { validRecords } from "./validate.js";

/** Each list endpoint: the field its records come in, and their schema. */
const LISTS = {
  listRuns: { field: "simulation_unit_test_set_runs", record: Run },
  listSets: { field: "simulation_unit_test_sets", record: UnitTestSet },
  listUnitTests: { field: "simulation_unit_tests", record: UnitTest },
  listMetricResults: { field: "metric_evaluation_results", record: MetricEvaluationResult },
} as const;

export type ListEndpoint = keyof typeof LISTS;
export type ListRecord<E extends ListEndpoint> = z.infer<(typeof LISTS)[E]["record"]>;

export interface ListSpec {
  /** Filters and `limit`; `continuation_token` is added page by page. */
  query: Record<string, QueryValue>;
  /** Names the run in error messages. */
  subject?: string;
}

/** The page as the endpoint answers it, its records left unchecked. */
function envelopeOf(endpoint: ListEndpoint) {
  const { field } = LISTS[endpoint];
  return z.pipe(
    z.looseObject({ [field]: z.array(z.unknown()), has_more: z.boolean(), continuation_token: z.nullable(z.int()) }),
    z.transform((page) => ({
      has_more: page.has_more as boolean,
      continuation_token: page.continuation_token as number | null,
      records: page[field] as unknown[],
    })),
  );
}

/** Every valid record of the list, page after page (one request per page). */
export function listRecords<E extends ListEndpoint>(caller: AmigoCaller, endpoint: E, spec: ListSpec): AsyncIterable<ListRecord<E>> {
  return allPages(endpoint, (token) => listPage(caller, endpoint, spec, token));
}

/** One page of the list from `token` (0 first): its valid records, whether there is more and where it goes on. */
export async function listPage<E extends ListEndpoint>(caller: AmigoCaller, endpoint: E, spec: ListSpec, token: number): Promise<Page<ListRecord<E>>> {
  // TypeScript cannot follow E through the table; LISTS[E]["record"] is ListRecord<E>'s schema.
  const schema = LISTS[endpoint].record as unknown as z.ZodMiniType<ListRecord<E>>;
  const page = await caller.call({
    endpoint,
    query: { ...spec.query, continuation_token: token },
    schema: envelopeOf(endpoint),
    retry: "idempotent",
    ...(spec.subject === undefined ? {} : { subject: spec.subject }),
  });
  const items = validRecords(schema, page.records, (skipped) =>
    caller.log("warn", "amigo.record_skipped", {
      endpoint,
      continuationToken: token,
      ...skipped,
    }),
  );
  return { has_more: page.has_more, continuation_token: page.continuation_token, items };
}
