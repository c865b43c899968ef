/**
 * Query strings the way Amigo's FastAPI reads them: arrays as repeated keys
 * (`id=a&id=b`), booleans as true/false, dates as ISO 8601.
 */
import type { RunFilter } from "../core/model/amigo-model.js";

export type QueryValue = string | number | boolean | Date | readonly string[] | undefined;

export function toQuery(params: Record<string, QueryValue>): URLSearchParams {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value as readonly string[]) query.append(key, item);
    else if (value instanceof Date) query.append(key, value.toISOString());
    else query.append(key, String(value));
  }
  return query;
}

/** The filter part of GET unit_test_set_run/ (paging keys are added by the pager). */
export function runFilterParams(filter: RunFilter): Record<string, QueryValue> {
  return {
    id: filter.id,
    simulation_unit_test_set_id: filter.simulation_unit_test_set_id,
    is_completed: filter.is_completed,
    failed_metrics: filter.failed_metrics,
    errored: filter.errored,
    creator: filter.creator,
    created_after: isoDate(filter.created_after),
    created_before: isoDate(filter.created_before),
    sort_by: filter.sort_by,
  };
}

function isoDate(value: string | Date | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value instanceof Date ? value.toISOString() : value;
}
