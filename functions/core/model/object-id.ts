/**
 * Mongo ObjectIds, as Amigo gives every run, set and unit test: 24 lower-case hex digits.
 * Every id that goes into a state or archive key is checked against this one schema, so a
 * malformed record from Amigo is refused by name instead of writing somewhere unexpected.
 * zod/mini keeps the Slack app's bundle small (it parses run ids in commands and buttons).
 */
import * as z from "zod/mini";

export const OBJECT_ID_PATTERN = /^[a-f0-9]{24}$/;

export const ObjectIdSchema = z.string().check(z.regex(OBJECT_ID_PATTERN, { error: "must be 24 lower-case hex digits" }));

export function isObjectId(value: unknown): value is string {
  return ObjectIdSchema.safeParse(value).success;
}

/** An id that cannot go into a key: the record naming it is skipped, not the whole batch. */
export class InvalidObjectId extends Error {
  override readonly name = "InvalidObjectId";
  constructor(
    readonly what: string,
    readonly value: unknown,
  ) {
    super(`${what} ${JSON.stringify(String(value)).slice(0, 60)} is not an ObjectId (24 lower-case hex digits)`);
  }
}

export function requireObjectId(what: string, value: unknown): string {
  if (!isObjectId(value)) throw new InvalidObjectId(what, value);
  return value;
}
