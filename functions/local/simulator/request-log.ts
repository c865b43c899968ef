/** Every request the simulator answered, and counts per endpoint, for tests and benchmarks. */
import type { SimEndpoint } from "./endpoints.js";

export interface LoggedRequest {
  endpoint: SimEndpoint;
  method: string;
  path: string;
  /** The query string, for filter assertions (no headers but Range, which carries no secret). */
  query: string;
  /** A download's Range header, when it asked for part of the file. */
  range?: string;
  status: number;
  at: string;
}

/** Old entries are dropped past this many, so a long benchmark does not grow without bound. */
const MAX_ENTRIES = 20_000;

export class RequestLog {
  private entries: LoggedRequest[] = [];
  private readonly totals = new Map<SimEndpoint, number>();

  record(entry: LoggedRequest): void {
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries = this.entries.slice(-MAX_ENTRIES / 2);
    this.totals.set(entry.endpoint, (this.totals.get(entry.endpoint) ?? 0) + 1);
  }

  list(endpoint?: SimEndpoint): LoggedRequest[] {
    return endpoint === undefined ? [...this.entries] : this.entries.filter((entry) => entry.endpoint === endpoint);
  }

  counts(): Partial<Record<SimEndpoint, number>> {
    return Object.fromEntries(this.totals);
  }

  reset(): void {
    this.entries = [];
    this.totals.clear();
  }
}
