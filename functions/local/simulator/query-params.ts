/**
 * Reads list filters the way FastAPI/pydantic would, collecting every problem as a
 * `{loc, msg, type}` item so a bad filter gets the same 422 the real API gives.
 */
import { OBJECT_ID } from "../../core/model/amigo-model.js";

export interface ValidationItem {
  loc: (string | number)[];
  msg: string;
  type: string;
}

const TRUE_WORDS = new Set(["true", "1", "yes", "on", "t", "y"]);
const FALSE_WORDS = new Set(["false", "0", "no", "off", "f", "n"]);

export class QueryReader {
  readonly problems: ValidationItem[] = [];

  constructor(private readonly params: URLSearchParams) {}

  ids(name: string): string[] {
    const values = this.params.getAll(name);
    values.forEach((value, index) => {
      if (!OBJECT_ID.test(value)) {
        this.problems.push({ loc: ["query", name, index], msg: `String should match pattern '${OBJECT_ID.source}'`, type: "string_pattern_mismatch" });
      }
    });
    return values;
  }

  strings(name: string): string[] {
    return this.params.getAll(name);
  }

  /** `org_id,user_id` pairs. */
  creators(name: string): string[] {
    const values = this.params.getAll(name);
    values.forEach((value, index) => {
      if (!/^[^,]+,[^,]+$/.test(value)) {
        this.problems.push({ loc: ["query", name, index], msg: "Value error, must be of the format `org_id,user_id`", type: "value_error" });
      }
    });
    return values;
  }

  bool(name: string): boolean | undefined {
    const value = this.params.get(name);
    if (value === null) return undefined;
    const word = value.toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    this.problems.push({ loc: ["query", name], msg: "Input should be a valid boolean, unable to interpret input", type: "bool_parsing" });
    return undefined;
  }

  int(name: string, options: { min: number; max?: number; fallback: number }): number {
    const value = this.params.get(name);
    if (value === null) return options.fallback;
    if (!/^-?\d+$/.test(value.trim())) {
      this.problems.push({ loc: ["query", name], msg: "Input should be a valid integer, unable to parse string as an integer", type: "int_parsing" });
      return options.fallback;
    }
    const number = Number(value);
    if (number < options.min) {
      this.problems.push({ loc: ["query", name], msg: `Input should be greater than or equal to ${options.min}`, type: "greater_than_equal" });
      return options.fallback;
    }
    if (options.max !== undefined && number > options.max) {
      this.problems.push({ loc: ["query", name], msg: `Input should be less than or equal to ${options.max}`, type: "less_than_equal" });
      return options.fallback;
    }
    return number;
  }

  /** Milliseconds since the epoch. A `+` offset arrives as a space when the client forgot to encode it. */
  date(name: string): number | undefined {
    const raw = this.params.get(name);
    if (raw === null) return undefined;
    const value = raw.replace(/ (\d{2}:?\d{2})$/, "+$1");
    const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(ms)) {
      this.problems.push({ loc: ["query", name], msg: "Input should be a valid datetime", type: "datetime_parsing" });
      return undefined;
    }
    return ms;
  }

  /** `+field` / `-field` (a bare or space-prefixed field, i.e. an unencoded `+`, is ascending). */
  sortBy(name: string, fields: readonly string[]): { field: string; descending: boolean }[] {
    return this.params.getAll(name).flatMap((value, index) => {
      const match = /^([+\- ]?)(\w+)$/.exec(value);
      if (match === null || !fields.includes(match[2] ?? "")) {
        this.problems.push({ loc: ["query", name, index], msg: `Value error, supported fields are ${fields.join(", ")}`, type: "value_error" });
        return [];
      }
      return [{ field: match[2] ?? "", descending: match[1] === "-" }];
    });
  }
}

/** Pages a sorted list by integer offset tokens, as every Amigo list endpoint does. */
export function pageOf<T>(items: readonly T[], continuationToken: number, limit: number): { items: T[]; has_more: boolean; continuation_token: number | null } {
  const slice = items.slice(continuationToken, continuationToken + limit);
  const hasMore = limit > 0 && continuationToken + limit < items.length;
  return { items: slice, has_more: hasMore, continuation_token: hasMore ? continuationToken + limit : null };
}
