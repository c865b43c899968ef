/** Downloads a presigned artifact URL with fetch: no Authorization header, body streamed. */
import type { ArtifactDownloader } from "../core/ports.js";

export function fetchDownloader(fetchImpl: typeof fetch = fetch): ArtifactDownloader {
  return {
    async open(url, signal) {
      const response = await fetchImpl(url, { method: "GET", redirect: "follow", ...(signal ? { signal } : {}) });
      const length = response.headers.get("content-length");
      const contentType = response.headers.get("content-type");
      const body: AsyncIterable<Uint8Array> = response.body ?? (async function* () {})();
      if (response.status !== 200) await response.body?.cancel().catch(() => undefined);
      return {
        status: response.status,
        ...(contentType ? { contentType } : {}),
        ...(length !== null && /^\d+$/.test(length) ? { contentLength: Number(length) } : {}),
        body,
      };
    },
  };
}
