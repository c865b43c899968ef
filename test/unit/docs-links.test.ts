/**
 * The documentation's relative links resolve: README.md and docs/*.md link only to files that
 * exist and to headings that exist (GitHub's anchors), every page under docs/ is linked from
 * README.md, and code comments that send a reader to a docs page (`docs/slack.md#…`) name a
 * page and heading that exist. Pages move and headings get reworded; this keeps the links up.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const DOCS = join(ROOT, "docs");
/** Where code comments live that may point at a docs page. */
const CODE_FOLDERS = ["functions", "infra", "bench", "test", "bin", "slack"];
const THIS_FILE = resolve(import.meta.filename);

/** The text outside fenced code blocks, line by line (links and headings in code are not real). */
function proseLines(markdown: string): string[] {
  let fenced = false;
  return markdown.split("\n").map((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return "";
    }
    return fenced ? "" : line;
  });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slugOf(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/`/g, "")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, "")
    .replace(/ /g, "-");
}

/** Every anchor a page offers, with GitHub's -1, -2 … for repeated headings. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = slugOf(heading);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Relative link targets in a page's prose (inline code spans and external URLs left out). */
function relativeLinksOf(markdown: string): string[] {
  const links: string[] = [];
  for (const line of proseLines(markdown)) {
    const withoutCode = line.replace(/`[^`]*`/g, "");
    for (const match of withoutCode.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = match[1] ?? "";
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) links.push(target);
    }
  }
  return links;
}

/** What is wrong with one link from `fromFile`, or undefined when it resolves. */
function brokenLink(fromFile: string, target: string, read: (file: string) => string | undefined): string | undefined {
  const [path = "", anchor] = target.split("#", 2);
  const file = path === "" ? fromFile : resolve(dirname(fromFile), decodeURI(path));
  const text = read(file);
  if (text === undefined) return `${target}: no file ${relative(ROOT, file)}`;
  if (anchor === undefined || anchor === "" || !file.endsWith(".md")) return undefined;
  return anchorsOf(text).has(anchor) ? undefined : `${target}: no heading #${anchor} in ${relative(ROOT, file)}`;
}

/** A file's text, "" for a folder (a link to a folder is fine), undefined when nothing is there. */
const readIfExists = (file: string) => (!existsSync(file) ? undefined : statSync(file).isDirectory() ? "" : readFileSync(file, "utf8"));
const docsPages = () => readdirSync(DOCS).filter((name) => name.endsWith(".md")).map((name) => join(DOCS, name));
const pages = () => [join(ROOT, "README.md"), ...docsPages()];

function codeFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : codeFiles(path);
    return /\.(ts|js|mjs|yaml|yml)$/.test(entry.name) ? [path] : [];
  });
}

describe("the documentation's links", () => {
  it("finds a link to a missing file and to a missing heading (the check can fail)", () => {
    const page = join(DOCS, "example.md");
    const files: Record<string, string> = { [page]: "# Example\n## Two words\n", [join(DOCS, "other.md")]: "# Other\n" };
    const read = (file: string) => files[file];
    expect(brokenLink(page, "other.md", read)).toBeUndefined();
    expect(brokenLink(page, "#two-words", read)).toBeUndefined();
    expect(brokenLink(page, "missing.md", read)).toContain("no file docs/missing.md");
    expect(brokenLink(page, "other.md#nowhere", read)).toContain("no heading #nowhere");
  });

  it("gives headings GitHub's anchors", () => {
    expect(slugOf("Exactly once, and nothing lost, even when a process dies")).toBe("exactly-once-and-nothing-lost-even-when-a-process-dies");
    expect(slugOf("Schedules: `/sim schedule`")).toBe("schedules-sim-schedule");
    expect([...anchorsOf("# A\n## Where\n```\n# not a heading\n```\n## Where\n")]).toEqual(["a", "where", "where-1"]);
  });

  it("resolves every relative link in README.md and docs/*.md", () => {
    const broken = pages().flatMap((page) =>
      relativeLinksOf(readFileSync(page, "utf8")).flatMap((target) => {
        const problem = brokenLink(page, target, readIfExists);
        return problem ? [`${relative(ROOT, page)}: ${problem}`] : [];
      }),
    );
    expect(broken).toEqual([]);
  });

  it("links every page under docs/ from README.md", () => {
    const linked = new Set(relativeLinksOf(readFileSync(join(ROOT, "README.md"), "utf8")).map((target) => resolve(ROOT, target.split("#")[0] ?? "")));
    expect(docsPages().filter((page) => !linked.has(page)).map((page) => relative(ROOT, page))).toEqual([]);
  });

  it("keeps README.md an entry page of at most 200 lines", () => {
    expect(readFileSync(join(ROOT, "README.md"), "utf8").trimEnd().split("\n").length).toBeLessThanOrEqual(200);
  });

  it("resolves every docs page and heading a code comment points at", () => {
    const files = CODE_FOLDERS.flatMap((folder) => codeFiles(join(ROOT, folder))).filter((file) => file !== THIS_FILE);
    const broken = files.flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/\bdocs\/[\w-]+\.md(?:#[\w-]+)?/g)].flatMap(([target]) => {
        const problem = brokenLink(join(ROOT, "README.md"), target, readIfExists);
        return problem ? [`${relative(ROOT, file)}: ${problem}`] : [];
      }),
    );
    expect(broken).toEqual([]);
  });
});
