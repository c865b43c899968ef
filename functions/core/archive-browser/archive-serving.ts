/**
 * How the archive browser serves a file, by its name alone (never by what the store says it is):
 * the pages as HTML, summary.md and run.json as plain text to read in the browser, and everything
 * else (the raw artifact first of all, whatever its type: an artifact may itself be HTML) as a
 * download. Every answer carries the same security headers: the pages are self-contained, so the
 * Content-Security-Policy allows no script and nothing fetched from anywhere.
 */

export type Serving =
  | { as: "page"; contentType: "text/html; charset=utf-8" }
  | { as: "text"; contentType: "text/plain; charset=utf-8" }
  | { as: "download"; contentType: "application/octet-stream"; disposition: string };

/** The archived artifact is `artifacts<ext>`: always a download. */
const ARTIFACT = /^artifacts(?:\.|$)/;
const TEXT_FILES = new Set(["summary.md", "run.json"]);

export function servingOf(name: string): Serving {
  if (ARTIFACT.test(name)) return download(name);
  if (name.endsWith(".html")) return { as: "page", contentType: "text/html; charset=utf-8" };
  if (TEXT_FILES.has(name)) return { as: "text", contentType: "text/plain; charset=utf-8" };
  return download(name);
}

/** `attachment; filename="artifacts.jsonl"`, the name reduced to characters that need no quoting. */
export function attachmentDisposition(name: string): string {
  return `attachment; filename="${name.replace(/[^\w.-]/g, "_") || "download"}"`;
}

function download(name: string): Serving {
  return { as: "download", contentType: "application/octet-stream", disposition: attachmentDisposition(name) };
}

/** No script anywhere; inline styles and inline SVG (the pages' trend charts) only. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "img-src data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers on every answer of the archive browser, pages, files, redirects and errors alike. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  // What a signed-in person read stays in their browser only, and is asked for again each time.
  "Cache-Control": "private, no-cache",
};
