/**
 * Downloads a presigned artifact link over node:http(s), body streamed, under the rules of
 * core/outbound-urls.ts: each hop is checked before it is requested, at most 3 redirects are
 * followed (each checked like the first), no credential is ever sent (no Authorization, no
 * cookies, none in the URL), and the body is cut off at `maxBytes`. Each hop's host name is
 * resolved by our own lookup, which refuses it when any address it resolves to is on this
 * machine or a private network (a public name pointing at 127.0.0.1 or 169.254.169.254), so
 * the check holds for the address actually connected to.
 *
 * node:http rather than fetch: the body arrives as the socket's own Buffers, with none of the
 * WHATWG stream machinery per chunk (the archiver's largest cost of ours after sha256 when
 * profiled), and the bytes are the file as stored: fetch would undo a Content-Encoding, which
 * breaks the Content-Length check and archives something other than the file.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { type IncomingMessage, request as httpRequest } from "node:http";
import type { LookupFunction } from "node:net";
import { request as httpsRequest } from "node:https";
import { ArtifactRefused, ArtifactTooLarge } from "../core/archiver/archive-run.js";
import { artifactLinkProblem, resolvedAddressProblem } from "../core/outbound-urls.js";
import type { ArtifactDownloader } from "../core/ports.js";

export interface DownloadPolicy {
  /** AMIGO_API_URL (or the simulator's URL): decides whether plain http on loopback is accepted. */
  amigoBaseUrl: string;
  /** ARCHIVE_MAX_BYTES. */
  maxBytes: number;
  /** Redirects followed before giving up (default 3). */
  maxRedirects?: number;
  /** A connection that sends nothing for this long is given up (default 5 minutes, as fetch's). */
  idleTimeoutMs?: number;
  /** Resolves a host name to all its addresses (default the system's, as node:http would). Tests inject their own. */
  resolve?: Resolver;
}

export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * node:http's `lookup` for one hop: every address `link`'s host resolves to is checked, and the
 * connection is refused (ArtifactRefused) when any of them may not be reached.
 */
function checkedLookup(link: string, policy: DownloadPolicy, describe: (problem: string) => string): LookupFunction {
  const resolve = policy.resolve ?? systemResolver;
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const addresses = found.filter((entry) => !options.family || entry.family === options.family);
        const problem = addresses.map((entry) => resolvedAddressProblem(link, entry.address, policy.amigoBaseUrl)).find((p) => p !== undefined);
        if (problem) return callback(new ArtifactRefused(describe(problem)), "", 0);
        const first = addresses[0];
        if (!first) return callback(Object.assign(new Error(`the artifacts link's host ${hostname} has no address`), { code: "ENOTFOUND" }), "", 0);
        if (options.all) return (callback as (error: null, addresses: { address: string; family: number }[]) => void)(null, addresses);
        callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error as NodeJS.ErrnoException, "", 0),
    );
  };
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;

/**
 * The body, failing with ArtifactTooLarge as soon as more than `maxBytes` arrived. Ending the
 * iteration early closes the connection, even before the first chunk was asked for (a store that
 * fails before reading must not leave the socket open until the idle timeout).
 */
function capped(body: IncomingMessage, maxBytes: number, from: number): AsyncIterableIterator<Uint8Array> {
  const chunks = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let total = from;
  const iterator: AsyncIterableIterator<Uint8Array> = {
    async next() {
      const result = await chunks.next();
      if (result.done !== true) {
        total += result.value.byteLength;
        if (total > maxBytes) {
          body.destroy();
          throw new ArtifactTooLarge(`the artifact file is larger than ARCHIVE_MAX_BYTES (${maxBytes} bytes); stopped reading it`);
        }
      }
      return result;
    },
    async return() {
      body.destroy();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/** One GET, no redirect followed, no credential sent; resolves once the headers arrived. */
function get(link: string, lookup: LookupFunction, idleTimeoutMs: number, signal: AbortSignal | undefined, range: Range | undefined): Promise<IncomingMessage> {
  const url = new URL(link);
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let response: IncomingMessage | undefined;
    // No agent: a kept-alive socket would skip the lookup (and its check) for the next hop.
    const headers = { "accept-encoding": "identity", ...(range ? { range: `bytes=${range.from}-`, ...(range.ifRange ? { "if-range": range.ifRange } : {}) } : {}) };
    const options = { method: "GET", headers, timeout: idleTimeoutMs, lookup, agent: false as const, ...(signal ? { signal } : {}) };
    const request = send(url, options, (answer) => {
      response = answer;
      resolve(answer);
    });
    request.on("timeout", () => {
      // Once the body has begun it is the body's reader who must hear why it stopped.
      const stalled = new Error(`the artifacts URL sent nothing for ${idleTimeoutMs / 1000} s`);
      if (response) response.destroy(stalled);
      request.destroy(stalled);
    });
    request.on("error", reject);
    request.end();
  });
}

export function httpDownloader(policy: DownloadPolicy): ArtifactDownloader {
  const maxRedirects = policy.maxRedirects ?? 3;
  const idleTimeoutMs = policy.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;

  /** GETs `link`, following acceptable redirects by hand. */
  async function follow(link: string, signal: AbortSignal | undefined, range: Range | undefined): Promise<IncomingMessage> {
    let current = link;
    for (let redirects = 0; ; redirects++) {
      const hop = `the artifacts link${redirects > 0 ? ` (after ${redirects} redirect${redirects === 1 ? "" : "s"})` : ""}`;
      const problem = artifactLinkProblem(current, policy.amigoBaseUrl);
      if (problem) throw new ArtifactRefused(`${hop} ${problem}`);
      const response = await get(current, checkedLookup(current, policy, (why) => `${hop}: its ${why}`), idleTimeoutMs, signal, range);
      if (!REDIRECTS.has(response.statusCode ?? 0)) return response;
      response.destroy();
      const location = response.headers.location;
      if (location === undefined) throw new ArtifactRefused(`the artifacts link answered HTTP ${response.statusCode} without a Location`);
      if (redirects >= maxRedirects) throw new ArtifactRefused(`the artifacts link redirected more than ${maxRedirects} times`);
      current = URL.canParse(location, current) ? new URL(location, current).toString() : location;
    }
  }

  return {
    async open(url, signal, range) {
      const response = await follow(url, signal, range);
      const status = response.statusCode ?? 0;
      const length = response.headers["content-length"];
      const contentLength = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
      const contentType = response.headers["content-type"];
      const etag = response.headers.etag;
      const contentRange = status === 206 ? parseContentRange(response.headers["content-range"]) : undefined;
      if (status === 206 && !contentRange) {
        response.destroy();
        throw new Error("the artifacts URL answered HTTP 206 without a Content-Range for bytes from an offset");
      }
      const from = contentRange?.start ?? 0;
      const total = contentRange ? contentRange.total : contentLength;
      if (status !== 200 && status !== 206) response.destroy();
      else if (total !== undefined && total > policy.maxBytes) {
        response.destroy();
        throw new ArtifactTooLarge(`the artifact file is ${total} bytes, more than ARCHIVE_MAX_BYTES (${policy.maxBytes})`);
      }
      return {
        status,
        ...(contentType ? { contentType } : {}),
        ...(contentLength !== undefined ? { contentLength } : {}),
        ...(etag ? { etag } : {}),
        ...(contentRange ? { contentRange } : {}),
        body: capped(response, policy.maxBytes, from),
      };
    },
  };
}

type Range = { from: number; ifRange?: string };

/** `bytes 100-199/1000` (or `/*`): the first byte and the file's total size. */
function parseContentRange(value: string | undefined): { start: number; total?: number } | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value?.trim() ?? "");
  if (!match) return undefined;
  return { start: Number(match[1]), ...(match[3] !== "*" ? { total: Number(match[3]) } : {}) };
}
