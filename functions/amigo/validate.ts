/**
 * Checks answers against their zod schemas. Extra fields are tolerated (the schemas are
 * loose). A broken answer fails with its field paths and the endpoint named; in a list,
 * each record is checked on its own, so one malformed record is skipped (and reported)
 * instead of hiding all the others.
 */
import type * as z from "zod/mini";
import { AmigoResponseError } from "../core/model/amigo-errors.js";
import "../core/util/zod-locale.js";
import { type AmigoEndpoint, describeEndpoint } from "./endpoints.js";

export function parseAnswer<S extends z.ZodMiniType>(schema: S, body: unknown, endpoint: AmigoEndpoint, status: number): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 5);
  const fieldPaths = issues.map((issue) => fieldPath(issue, "(body)"));
  const described = issues.map((issue, index) => `${fieldPaths[index]}: ${issue.message}`).join("; ");
  const more = parsed.error.issues.length > issues.length ? ` (and ${parsed.error.issues.length - issues.length} more)` : "";
  return raise(
    new AmigoResponseError(
      `Amigo answered ${describeEndpoint(endpoint)} with a body that does not match its schema: ${described}${more}`,
      { status, endpoint: describeEndpoint(endpoint), fieldPaths },
    ),
  );
}

/** A record of a list answer that did not match its schema. */
export interface SkippedRecord {
  /** Position in the page's array. */
  index: number;
  /** The record's `id`, when it has a string one. */
  id?: string;
  /** Dotted paths, inside the record, of the fields that failed (at most 5). */
  fieldPaths: string[];
}

/** The records that match `schema`, in order; `skip` hears of each one that does not. */
export function validRecords<S extends z.ZodMiniType>(
  schema: S,
  records: readonly unknown[],
  skip: (record: SkippedRecord) => void,
): z.infer<S>[] {
  const out: z.infer<S>[] = [];
  records.forEach((record, index) => {
    const parsed = schema.safeParse(record);
    if (parsed.success) {
      out.push(parsed.data);
      return;
    }
    const id = typeof record === "object" && record !== null ? (record as { id?: unknown }).id : undefined;
    skip({ index, ...(typeof id === "string" ? { id } : {}), fieldPaths: parsed.error.issues.slice(0, 5).map((issue) => fieldPath(issue, "(record)")) });
  });
  return out;
}

function fieldPath(issue: z.core.$ZodIssue, root: string): string {
  return issue.path.length === 0 ? root : issue.path.map(String).join(".");
}

function raise(error: Error): never {
  throw error;
}
