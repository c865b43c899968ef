/**
 * Downloads a presigned artifact link with fetch, body streamed, under the rules of
 * core/outbound-urls.ts: each hop is checked before it is requested, at most 3 redirects are
 * followed (each checked like the first), no credential is ever sent (no Authorization, no
 * cookies, none in the URL), and the body is cut off at `maxBytes`.
 */
import { ArtifactRefused, ArtifactTooLarge } from "../core/archive-run.js";
import { artifactLinkProblem } from "../core/outbound-urls.js";
import type { ArtifactDownloader } from "../core/ports.js";

export interface DownloadPolicy {
  /** AMIGO_API_URL (or the simulator's URL): decides whether plain http on loopback is accepted. */
  amigoBaseUrl: string;
  /** ARCHIVE_MAX_BYTES. */
  maxBytes: number;
  /** Redirects followed before giving up (default 3). */
  maxRedirects?: number;
  fetch?: typeof fetch;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The body, failing with ArtifactTooLarge as soon as more than `maxBytes` arrived. */
async function* capped(body: AsyncIterable<Uint8Array>, maxBytes: number): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new ArtifactTooLarge(`the artifact file is larger than ARCHIVE_MAX_BYTES (${maxBytes} bytes); stopped reading it`);
    yield chunk;
  }
}

export function fetchDownloader(policy: DownloadPolicy): ArtifactDownloader {
  const fetchImpl = policy.fetch ?? fetch;
  const maxRedirects = policy.maxRedirects ?? 3;

  /** GETs `link`, following acceptable redirects by hand. */
  async function follow(link: string, signal: AbortSignal | undefined): Promise<Response> {
    let current = link;
    for (let redirects = 0; ; redirects++) {
      const problem = artifactLinkProblem(current, policy.amigoBaseUrl);
      if (problem) throw new ArtifactRefused(`the artifacts link${redirects > 0 ? ` (after ${redirects} redirect${redirects === 1 ? "" : "s"})` : ""} ${problem}`);
      const response = await fetchImpl(current, { method: "GET", redirect: "manual", credentials: "omit", ...(signal ? { signal } : {}) });
      if (!REDIRECTS.has(response.status)) return response;
      await response.body?.cancel().catch(() => undefined);
      const location = response.headers.get("location");
      if (location === null) throw new ArtifactRefused(`the artifacts link answered HTTP ${response.status} without a Location`);
      if (redirects >= maxRedirects) throw new ArtifactRefused(`the artifacts link redirected more than ${maxRedirects} times`);
      current = URL.canParse(location, current) ? new URL(location, current).toString() : location;
    }
  }

  return {
    async open(url, signal) {
      const response = await follow(url, signal);
      const length = response.headers.get("content-length");
      const contentLength = length !== null && /^\d+$/.test(length) ? Number(length) : undefined;
      const contentType = response.headers.get("content-type");
      if (response.status !== 200) await response.body?.cancel().catch(() => undefined);
      else if (contentLength !== undefined && contentLength > policy.maxBytes) {
        await response.body?.cancel().catch(() => undefined);
        throw new ArtifactTooLarge(`the artifact file is ${contentLength} bytes, more than ARCHIVE_MAX_BYTES (${policy.maxBytes})`);
      }
      const body: AsyncIterable<Uint8Array> = response.body ?? (async function* () {})();
      return {
        status: response.status,
        ...(contentType ? { contentType } : {}),
        ...(contentLength !== undefined ? { contentLength } : {}),
        body: capped(body, policy.maxBytes),
      };
    },
  };
}
