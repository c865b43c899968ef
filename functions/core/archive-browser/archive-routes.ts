/**
 * The archive browser's routes as pure rules: a request path under the browser's base (`/archive/`)
 * to the archive key it may serve, or a refusal. The routes are the archive's layout (DESIGN.md):
 *   ``                         -> `<prefix>index.html`            (every set by name)
 *   `<set_id>/`                -> `<prefix><set_id>/index.html`   (a set's runs)
 *   `<set_id>/<run_id>/`       -> `<prefix><set_id>/<run_id>/report.html`
 *   `<file>`, `<set_id>/<file>`, `<set_id>/<run_id>/<file>` -> that file
 * A folder named without its trailing slash redirects to it, so the pages' relative links work.
 * Only plain names are accepted: no traversal (`..`, `.`), no encoded `/`, `\` or `%` (double
 * encoding), no control characters, nothing hidden, nothing under `_simwatch/` and no temp or lock
 * file of a write in progress. Anything else is not found: a refusal says no more than a miss.
 */
import { isReservedName } from "../archiver/reserved-names.js";

export type ArchiveRoute =
  | { kind: "object"; key: string; name: string }
  | { kind: "redirect"; to: string }
  | { kind: "refused"; reason: string };

/** A folder of the archive (a set or run id): letters, digits, `_` and `-`, no dot. */
const FOLDER = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
/** A file: a plain name with an extension. */
const FILE = /^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)+$/;
/** Percent-encodings that would smuggle a separator or a second decoding past these rules. */
const SMUGGLED = /%(?:2f|5c|25|00|2e)/i;
const STATE_FOLDER = "_simwatch";

/** What a folder shows when asked for without a file name, by depth (the archive, a set, a run). */
const FOLDER_PAGES = ["index.html", "index.html", "report.html"] as const;

const refused = (reason: string): ArchiveRoute => ({ kind: "refused", reason });

/** The segments of `rest` (the path after the base, still percent-encoded), decoded, or why not. */
function segmentsOf(rest: string): string[] | string {
  if (rest.length > 512) return "the path is too long";
  if (rest.includes("\\")) return "the path has a backslash";
  if (SMUGGLED.test(rest)) return "the path encodes a separator, a dot, NUL or a percent sign";
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return "the path is not valid percent-encoding";
  }
  return decoded.split("/");
}

/**
 * The route of `rest`, the request path after the browser's base (`/archive/`), percent-encoded as
 * it came; `prefix` is ARCHIVE_PREFIX (`runs/`, or empty).
 */
export function routeArchivePath(rest: string, prefix: string): ArchiveRoute {
  const segments = segmentsOf(rest);
  if (typeof segments === "string") return refused(segments);
  const folderRequest = segments.at(-1) === "";
  const names = folderRequest ? segments.slice(0, -1) : segments;
  if (names.some((name) => name.startsWith(STATE_FOLDER))) return refused("simwatch's state is not part of the archive");
  if (names.some((name) => name === "" || name === "." || name === "..")) return refused("the path has an empty, . or .. segment");
  if (names.some(isReservedName)) return refused("a write in progress is not served");
  if (folderRequest) {
    if (names.length > 2) return refused("the archive has no folder that deep");
    if (!names.every((name) => FOLDER.test(name))) return refused("not a folder name of the archive");
    const name = FOLDER_PAGES[names.length]!;
    return { kind: "object", key: `${prefix}${[...names, name].join("/")}`, name };
  }
  const folders = names.slice(0, -1);
  const last = names.at(-1)!;
  if (folders.length > 2 || !folders.every((name) => FOLDER.test(name))) return refused("not a folder of the archive");
  if (FILE.test(last)) return { kind: "object", key: `${prefix}${names.join("/")}`, name: last };
  // A folder asked for without its slash: the slash, so its page's relative links resolve.
  if (folders.length < 2 && FOLDER.test(last)) return { kind: "redirect", to: `${encodeURIComponent(last)}/` };
  return refused("not a file name of the archive");
}
