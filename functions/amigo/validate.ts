/**
 * Checks an answer against its zod schema. Extra fields are tolerated (the schemas are
 * loose); a missing or mistyped field fails with its path and the endpoint named.
 */
import type { z } from "zod";
import { AmigoResponseError } from "../core/amigo-errors.js";
import { type AmigoEndpoint, describeEndpoint } from "./endpoints.js";

export function parseAnswer<S extends z.ZodType>(schema: S, body: unknown, endpoint: AmigoEndpoint, status: number): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 5);
  const fieldPaths = issues.map((issue) => (issue.path.length === 0 ? "(body)" : issue.path.map(String).join(".")));
  const described = issues.map((issue, index) => `${fieldPaths[index]}: ${issue.message}`).join("; ");
  const more = parsed.error.issues.length > issues.length ? ` (and ${parsed.error.issues.length - issues.length} more)` : "";
  return raise(
    new AmigoResponseError(
      `Amigo answered ${describeEndpoint(endpoint)} with a body that does not match its schema: ${described}${more}`,
      { status, endpoint: describeEndpoint(endpoint), fieldPaths },
    ),
  );
}

function raise(error: Error): never {
  throw error;
}
