import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { auditPage, unsafeParts } from "../support/html-audit.js";
import { nthRunId, nthSummary, PREFIX } from "../support/pages-fixtures.js";
import { environmentWithoutSimwatch, startSimwatch, waitUntil } from "../support/simwatch-cli.js";
import { SET_ID } from "../support/summary-fixtures.js";

const OTHER_SET = "65e0000000000000000000b2";

/** A folder archive as simwatch left it before it wrote pages: each run's artifact, run.json and summary.md. */
async function oldArchive(runsPerSet: number): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "simwatch-rebuild-"));
  for (const setId of [SET_ID, OTHER_SET]) {
    for (let n = 0; n < runsPerSet; n++) {
      const summary = nthSummary(n, setId, setId === SET_ID ? "Checkout <flows>" : "Refunds");
      const folder = join(root, PREFIX, setId, summary.runId);
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, "artifacts.jsonl"), "{}\n");
      const runJson = { id: summary.runId, simulation_unit_test_set_id: setId, unit_test_run_specs: [], unit_test_run_results: [], simwatch: { verdict: summary.verdict, summary, size: 3, sha256: "1".repeat(64), archived_at: summary.createdAt } };
      await writeFile(join(folder, "run.json"), JSON.stringify(runJson));
      await writeFile(join(folder, "summary.md"), "# old\n");
    }
  }
  return root;
}

const reportLinks = async (path: string) => auditPage(await readFile(path, "utf8")).links.filter((link) => link.endsWith("/report.html"));

describe("simwatch archive rebuild-pages", () => {
  it("writes every archived run's report and the indexes, and goes on where a killed rebuild stopped", { timeout: 180_000 }, async () => {
    const root = await oldArchive(60);
    const env = { ...environmentWithoutSimwatch(), ARCHIVE_DIR: root };
    const first = startSimwatch(["archive", "rebuild-pages"], { env, cwd: root });
    expect(await waitUntil(() => first.stdout().includes("50 runs done"), { timeoutMs: 120_000, stop: () => first.exited !== undefined })).toBe(true);
    await first.kill();

    const second = startSimwatch(["archive", "rebuild-pages"], { env, cwd: root });
    const exit = await second.exit;
    expect(exit.code, second.output()).toBe(0);
    expect(second.stdout()).toMatch(/Going on after (5\d|6\d|7\d) runs/);
    expect(second.stdout()).toContain("Pages rebuilt: 120 runs.");

    const links = await reportLinks(join(root, PREFIX, SET_ID, "index.html"));
    expect(links).toEqual(Array.from({ length: 60 }, (_, n) => `${nthRunId(59 - n)}/report.html`));
    expect(await reportLinks(join(root, PREFIX, OTHER_SET, "index.html"))).toHaveLength(60);
    const index = await readFile(join(root, PREFIX, "index.html"), "utf8");
    expect(unsafeParts(index)).toEqual([]);
    expect(auditPage(index).text).toContain("Checkout <flows>");
    const report = await readFile(join(root, PREFIX, SET_ID, nthRunId(7), "report.html"), "utf8");
    expect(auditPage(report).links).toEqual(expect.arrayContaining(["artifacts.jsonl", "../index.html", "../../index.html"]));
    expect(await readdir(join(root, "_simwatch", "pages", "pending")).catch(() => [])).toEqual([]);
  });

  it("says in the report of a run whose artifact could not be archived why the file is not there", async () => {
    const root = await mkdtemp(join(tmpdir(), "simwatch-rebuild-"));
    const summary = nthSummary(0, SET_ID, "Checkout");
    const folder = join(root, PREFIX, SET_ID, summary.runId);
    await mkdir(folder, { recursive: true });
    const reason = "Amigo's artifact link answered 404 five times";
    const runJson = { id: summary.runId, simulation_unit_test_set_id: SET_ID, unit_test_run_specs: [], unit_test_run_results: [], simwatch: { verdict: summary.verdict, summary, artifacts_failed: { reason, tries: 5, failed_at: summary.createdAt } } };
    await writeFile(join(folder, "run.json"), JSON.stringify(runJson));
    const run = startSimwatch(["archive", "rebuild-pages"], { env: { ...environmentWithoutSimwatch(), ARCHIVE_DIR: root }, cwd: root });
    expect((await run.exit).code, run.output()).toBe(0);
    const report = auditPage(await readFile(join(folder, "report.html"), "utf8"));
    expect(report.text).toContain(`The artifact file is not in the archive: ${reason}.`);
    expect(report.links.some((link) => link.startsWith("artifacts"))).toBe(false);
  });

  it("says what it does not know", async () => {
    const root = await mkdtemp(join(tmpdir(), "simwatch-rebuild-"));
    const run = startSimwatch(["archive", "rebuild-everything"], { env: { ...environmentWithoutSimwatch(), ARCHIVE_DIR: root }, cwd: root });
    expect((await run.exit).code).toBe(2);
    expect(run.output()).toContain('Unknown archive command "rebuild-everything"');
  });
});
