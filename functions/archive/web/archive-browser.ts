/**
 * The archive browser: one Hono app that serves the archive's pages and a run folder's files,
 * read only, through an ArchiveReader (the folder or the bucket). `simwatch serve` mounts it on
 * loopback with no sign-in; the archive-web Lambda puts Sign in with Slack in front of it
 * (`guard`). Which key a path names, and how a file is served, are the pure rules of
 * core/archive-browser; this app does the I/O. Files larger than `proxyLimitBytes` that are not
 * pages go by redirect to a fresh presigned GET (S3), never through the function.
 */
import { Hono, type MiddlewareHandler } from "hono";
import { type ArchiveRoute, routeArchivePath } from "../../core/archive-browser/archive-routes.js";
import { SECURITY_HEADERS, servingOf } from "../../core/archive-browser/archive-serving.js";
import { errorFields, type Logger, silentLogger } from "../../core/log.js";
import type { ArchiveReader } from "../../core/ports.js";

export const ARCHIVE_BASE_PATH = "/archive";
/** A presigned download link lives five minutes: long enough to start, too short to pass around. */
export const DOWNLOAD_LINK_SECONDS = 300;

export interface ArchiveBrowserOptions {
  reader: ArchiveReader;
  /** ARCHIVE_PREFIX: the archive's folder in the store (`runs/`, or empty). */
  archivePrefix: string;
  /** Files above this size (not pages) redirect to a presigned GET where the reader can sign one. Default: never. */
  proxyLimitBytes?: number;
  /** Runs before every archive route (the sign-in check in AWS). */
  guard?: MiddlewareHandler;
  log?: Logger;
}

/** A small page of the browser's own (not found, sign-in answers): `title` and `body` are trusted markup. */
export function pageHtml(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head>
<body><main><h1>${title}</h1>${body}</main></body></html>`;
}

/** The security headers on every answer of the routes it runs before, whatever made the answer. */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
};

function notFound(): Response {
  const body = pageHtml("Not in the archive", `<p>Nothing here. <a href="${ARCHIVE_BASE_PATH}/">Back to the archive's index</a>.</p>`);
  return new Response(body, { status: 404, headers: new Headers({ "Content-Type": "text/html; charset=utf-8" }) });
}

function redirect(to: string, status: 302 | 308): Response {
  return new Response(null, { status, headers: new Headers({ Location: to }) });
}

/** The path after `/archive/`, still percent-encoded as the request gave it. */
function restOf(url: string): string | undefined {
  const { pathname } = new URL(url);
  return pathname.startsWith(`${ARCHIVE_BASE_PATH}/`) ? pathname.slice(ARCHIVE_BASE_PATH.length + 1) : undefined;
}

async function serveObject(options: ArchiveBrowserOptions, route: Extract<ArchiveRoute, { kind: "object" }>, head: boolean): Promise<Response> {
  const { reader } = options;
  const serving = servingOf(route.name);
  const limit = options.proxyLimitBytes ?? Number.POSITIVE_INFINITY;
  if (serving.as !== "page" && reader.presignDownload && Number.isFinite(limit)) {
    const info = await reader.stat(route.key);
    if (!info) return notFound();
    if (info.size > limit) {
      const link = await reader.presignDownload(route.key, DOWNLOAD_LINK_SECONDS);
      return link ? redirect(link, 302) : notFound();
    }
  }
  const object = await reader.read(route.key);
  if (!object) return notFound();
  const headers = new Headers({
    "Content-Type": serving.contentType,
    "Content-Length": String(object.size),
    ...(serving.as === "download" ? { "Content-Disposition": serving.disposition } : {}),
    ...(object.lastModified ? { "Last-Modified": object.lastModified.toUTCString() } : {}),
  });
  if (head) {
    await object.body.cancel();
    return new Response(null, { status: 200, headers });
  }
  return new Response(object.body, { status: 200, headers });
}

export function createArchiveBrowser(options: ArchiveBrowserOptions): Hono {
  const log = options.log ?? silentLogger;
  const app = new Hono();
  for (const path of [ARCHIVE_BASE_PATH, `${ARCHIVE_BASE_PATH}/*`]) {
    app.use(path, securityHeaders);
    if (options.guard) app.use(path, options.guard);
  }
  app.on(["GET", "HEAD"], ARCHIVE_BASE_PATH, () => redirect(`${ARCHIVE_BASE_PATH}/`, 308));
  app.on(["GET", "HEAD"], `${ARCHIVE_BASE_PATH}/*`, async (c) => {
    const rest = restOf(c.req.url);
    const route = rest === undefined ? undefined : routeArchivePath(rest, options.archivePrefix);
    if (!route || route.kind === "refused") {
      log.info("archive_web.refused", { path: rest?.slice(0, 200), reason: route?.reason });
      return notFound();
    }
    if (route.kind === "redirect") return redirect(route.to, 308);
    try {
      return await serveObject(options, route, c.req.method === "HEAD");
    } catch (error) {
      log.error("archive_web.read_failed", { key: route.key, ...errorFields(error) });
      return new Response("The archive could not be read just now. Please try again.", {
        status: 503,
        headers: new Headers({ "Content-Type": "text/plain; charset=utf-8", "Retry-After": "5" }),
      });
    }
  });
  return app;
}
