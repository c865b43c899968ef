/**
 * Applies a CorruptFault to a list answer: the page's records (or the page itself) lose
 * fields or get values of the wrong type, as a server breaking its own schema would.
 */
import type { CorruptFault, Mutation } from "./faults.js";

/** The array each list endpoint answers its records in. */
const RECORDS_FIELD: Readonly<Record<string, string>> = {
  listRuns: "simulation_unit_test_set_runs",
  listSets: "simulation_unit_test_sets",
  listUnitTests: "simulation_unit_tests",
  listMetricResults: "metric_evaluation_results",
};

/** Whether `endpoint` answers a page of records (the only answers a CorruptFault applies to). */
export function answersPages(endpoint: string): boolean {
  return RECORDS_FIELD[endpoint] !== undefined;
}

/** A copy of the page `body` broken as `fault` says. */
export function corruptPage(endpoint: string, body: unknown, fault: CorruptFault): unknown {
  const field = RECORDS_FIELD[endpoint];
  if (field === undefined || !isObject(body)) return body;
  const page = structuredClone(body);
  const records = page[field];
  if (Array.isArray(records)) {
    for (const { index = 0, ...mutation } of fault.records ?? []) {
      const record: unknown = records[index];
      if (!isObject(record)) throw new Error(`the page has no record at index ${index} to corrupt`);
      mutate(record, mutation);
    }
  }
  if (fault.envelope !== undefined) mutate(page, fault.envelope);
  return page;
}

function mutate(target: Record<string, unknown>, { drop = [], set = {} }: Mutation): void {
  for (const path of drop) {
    const { parent, key } = locate(target, path);
    delete parent[key];
  }
  for (const [path, value] of Object.entries(set)) {
    const { parent, key } = locate(target, path);
    parent[key] = value;
  }
}

function locate(target: Record<string, unknown>, path: string): { parent: Record<string, unknown>; key: string } {
  const keys = path.split(".");
  const key = keys.pop() ?? path;
  let parent = target;
  for (const step of keys) {
    const next = parent[step];
    // Arrays too: `unit_test_run_specs.0.unit_test_id` steps through one.
    if (typeof next !== "object" || next === null) throw new Error(`cannot corrupt ${path}: ${step} is not an object`);
    parent = next as Record<string, unknown>;
  }
  return { parent, key };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
