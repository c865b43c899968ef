/**
 * Switchable misbehaviour for tests and benchmarks: the next N requests to an endpoint
 * answer an error status or a redirect, or answer late, or answer a page with malformed
 * records in it; the next K downloads break off after N bytes (optionally expiring their
 * link, as if it ran out mid-download) or never end; the next artifact links handed out
 * point wherever a test says (a hostile Amigo).
 */
import type { SimEndpoint } from "./endpoints.js";

export interface ErrorFault {
  /** 503 by default; 429 and other 5xx work too. */
  status?: number;
  count?: number;
  /** Sent as Retry-After (429/503). */
  retryAfterSeconds?: number;
  detail?: string;
  /** Answer a redirect (307 unless `status` says otherwise) to this URL; "self" = the request's own URL. */
  redirectTo?: string;
}

export interface DelayFault {
  /** Real milliseconds added before answering (timeouts are measured in real time). */
  ms: number;
  /** How many requests; Infinity for all of them until cleared. */
  count?: number;
}

export interface DownloadFault {
  /** Break the connection after this many body bytes. */
  dropAfterBytes: number;
  /** How many downloads to break (the first K). Default 1. */
  count?: number;
  /** Also expire the link at that moment, so retrying the same URL gets 403. */
  expireLink?: boolean;
}

/** Fields taken out of a JSON object or given other values (a server breaking its schema). */
export interface Mutation {
  /** Dotted paths of fields to remove, e.g. `created_at`, `creator.user_id`. */
  drop?: string[];
  /** Dotted paths and the value each gets instead, e.g. `{ id: 42 }`. */
  set?: Record<string, unknown>;
}

export interface CorruptFault {
  /** Records of the page's array to break, by position (default 0). */
  records?: (Mutation & { index?: number })[];
  /** Breaks the page itself (`has_more`, `continuation_token`, the array). */
  envelope?: Mutation;
  count?: number;
}

type Pending<T> = T & { remaining: number };

export class Faults {
  private readonly errors = new Map<SimEndpoint | "*", Pending<ErrorFault>[]>();
  private readonly delays = new Map<SimEndpoint | "*", Pending<DelayFault>[]>();
  private readonly corruptions = new Map<SimEndpoint | "*", Pending<CorruptFault>[]>();
  private downloads: Pending<DownloadFault>[] = [];
  private endlessDownloads = 0;
  private handedOutLinks: string[] = [];
  /** Downloads send at most this many bytes a second (until cleared); undefined = as fast as read. */
  downloadBytesPerSecond: number | undefined;

  /** The next `count` requests to `endpoint` ("*" = any) answer `status`. */
  failNext(endpoint: SimEndpoint | "*", fault: ErrorFault = {}): void {
    push(this.errors, endpoint, { ...fault, remaining: fault.count ?? 1 });
  }

  /** The next `count` requests to `endpoint` answer `ms` late. */
  delayNext(endpoint: SimEndpoint | "*", fault: DelayFault): void {
    push(this.delays, endpoint, { ...fault, remaining: fault.count ?? 1 });
  }

  /** The next `count` successful list answers of `endpoint` come back malformed as `fault` says. */
  corruptNext(endpoint: SimEndpoint | "*", fault: CorruptFault): void {
    push(this.corruptions, endpoint, { ...fault, remaining: fault.count ?? 1 });
  }

  breakDownloads(fault: DownloadFault): void {
    this.downloads.push({ ...fault, remaining: fault.count ?? 1 });
  }

  /** The next `count` downloads answer 200 with no Content-Length and a body that never ends. */
  streamEndlessly(count = 1): void {
    this.endlessDownloads += count;
  }

  /** The next `count` artifact links handed out are `url`, whatever it is. */
  handOutLink(url: string, count = 1): void {
    for (let i = 0; i < count; i++) this.handedOutLinks.push(url);
  }

  clear(): void {
    this.errors.clear();
    this.delays.clear();
    this.corruptions.clear();
    this.downloads = [];
    this.endlessDownloads = 0;
    this.handedOutLinks = [];
    this.downloadBytesPerSecond = undefined;
  }

  takeEndless(): boolean {
    if (this.endlessDownloads === 0) return false;
    this.endlessDownloads--;
    return true;
  }

  takeHandedOutLink(): string | undefined {
    return this.handedOutLinks.shift();
  }

  takeError(endpoint: SimEndpoint): ErrorFault | undefined {
    return take(this.errors, endpoint);
  }

  takeDelay(endpoint: SimEndpoint): DelayFault | undefined {
    return take(this.delays, endpoint);
  }

  takeCorruption(endpoint: SimEndpoint): CorruptFault | undefined {
    return take(this.corruptions, endpoint);
  }

  takeDownloadFault(): DownloadFault | undefined {
    const fault = this.downloads.find((candidate) => candidate.remaining > 0);
    if (fault === undefined) return undefined;
    fault.remaining--;
    this.downloads = this.downloads.filter((candidate) => candidate.remaining > 0);
    return fault;
  }
}

function push<T>(map: Map<SimEndpoint | "*", Pending<T>[]>, endpoint: SimEndpoint | "*", fault: Pending<T>): void {
  map.set(endpoint, [...(map.get(endpoint) ?? []), fault]);
}

function take<T>(map: Map<SimEndpoint | "*", Pending<T>[]>, endpoint: SimEndpoint): T | undefined {
  for (const key of [endpoint, "*"] as const) {
    const queue = map.get(key) ?? [];
    const fault = queue.find((candidate) => candidate.remaining > 0);
    if (fault === undefined) continue;
    fault.remaining--;
    map.set(
      key,
      queue.filter((candidate) => candidate.remaining > 0),
    );
    return fault;
  }
  return undefined;
}
