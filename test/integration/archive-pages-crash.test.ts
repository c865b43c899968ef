import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { FileSystemArchiveStore } from "../../functions/archive/fs-archive-store.js";
import { FileSystemStateStore } from "../../functions/archive/fs-state-store.js";
import { publishPendingPages } from "../../functions/core/archive-pages/publish-pages.js";
import { auditPage } from "../support/html-audit.js";
import { archivePages, nthRunId, PREFIX, pagesOptions } from "../support/pages-fixtures.js";
import { environmentWithoutSimwatch } from "../support/simwatch-cli.js";
import { startGroupProcess } from "../support/processes.js";
import { SET_ID } from "../support/summary-fixtures.js";

const CHILD = resolve(import.meta.dirname, "../support/pages-child.ts");

/** Where the archiver is killed: right after each write of a run's pages. */
const KILL_POINTS = [
  "putText:/report.html",
  "create:.json", // the pending note
  "replace:head.json",
  "putText:/index.html", // the set's page
  "replace:archive.json",
  "putText:/index.html#2", // the archive's index
];

async function runChild(root: string, n: number, killAfter: string) {
  const [spec = "", at = "1"] = killAfter.split("#");
  const child = startGroupProcess(process.execPath, ["--import", "tsx", CHILD, root, String(n)], { env: { ...environmentWithoutSimwatch(), KILL_AFTER: spec, KILL_AT: at }, cwd: process.cwd() });
  return { ...(await child.exit), output: child.output() };
}

describe("the archive's pages when the archiver is killed between its writes", () => {
  it.each(KILL_POINTS)("killed right after %s: the next tick lists the run", { timeout: 60_000 }, async (killAfter) => {
    const root = await mkdtemp(join(tmpdir(), "simwatch-pages-crash-"));
    const options = pagesOptions(new FileSystemArchiveStore({ root }), new FileSystemStateStore({ root }));
    await archivePages(options, 0);
    const killed = await runChild(root, 1, killAfter);
    expect(killed.signal, killed.output).toBe("SIGKILL");

    if (killAfter === KILL_POINTS[0]) {
      // No pending note yet, no archived marker either: the next delivery archives the run again.
      await archivePages(options, 1, SET_ID, undefined, false);
    }
    // The next tick (or archive) finishes what is pending, and a second one finds nothing to do.
    expect(await publishPendingPages(options)).toBe(1);
    expect(await publishPendingPages(options)).toBe(0);

    const setPage = auditPage(await readFile(join(root, PREFIX, SET_ID, "index.html"), "utf8"));
    expect(setPage.links.filter((link) => link.endsWith("/report.html"))).toEqual([1, 0].map((n) => `${nthRunId(n)}/report.html`));
    const index = auditPage(await readFile(join(root, PREFIX, "index.html"), "utf8"));
    expect(index.links).toEqual([`${SET_ID}/index.html`]);
    expect(index.text).toMatch(/\b2\b/);
    expect(await readFile(join(root, PREFIX, SET_ID, nthRunId(1), "report.html"), "utf8")).toContain("Checkout flows");
  });
});
