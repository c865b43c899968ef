import { readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, launchChromium, type ServedArchive, serveArchive, takeScreenshots, VIEWPORTS, watchPage } from "../support/archive-in-browser.js";
import { DEMO_PREFIX, type DemoArchive, writeDemoArchive } from "../support/demo-archive.js";

let demo: DemoArchive;
let served: ServedArchive;
let browser: Browser;

beforeAll(async () => {
  demo = await writeDemoArchive();
  served = await serveArchive(demo);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await served?.close();
});

/** Every page reachable from the archive's index by its links (pages only, not the files they link). */
async function crawl(): Promise<{ pages: string[]; problems: string[] }> {
  const origin = new URL(served.url).origin;
  const context = await browser.newContext(VIEWPORTS.desktop);
  const page = await context.newPage();
  const problems = watchPage(page, origin);
  const seen = new Set<string>();
  const queue = [served.url];
  while (queue.length > 0) {
    const url = queue.shift() as string;
    if (seen.has(url)) continue;
    seen.add(url);
    const response = await page.goto(url);
    if (response?.status() !== 200) problems.push(`${url} answered ${response?.status()}`);
    const links = await page.$$eval("a[href]", (anchors) => anchors.map((anchor) => (anchor as unknown as { href: string }).href));
    for (const link of links) if (link.endsWith(".html") && !seen.has(link)) queue.push(link);
  }
  await context.close();
  return { pages: [...seen], problems };
}

describe("the archive's pages in Chromium, served by the archive browser", () => {
  it("load with no console error and no request leaving the server, every page linked from the index", { timeout: 120_000 }, async () => {
    const { pages, problems } = await crawl();
    expect(problems).toEqual([]);
    // The index, three set pages and every run's report (40 + 12 + 6).
    expect(pages.filter((url) => url.endsWith("/report.html"))).toHaveLength(58);
    expect(pages.filter((url) => url.endsWith("/index.html"))).toHaveLength(4);
  });

  it("lead from the index to a set, to its newest run, to that run's artifact file", async () => {
    const context = await browser.newContext(VIEWPORTS.phone);
    const page = await context.newPage();
    const problems = watchPage(page, new URL(served.url).origin);
    await page.goto(served.url);
    await page.getByRole("link", { name: "Checkout flows" }).click();
    await page.waitForURL(/\/index\.html$/);
    await page.getByRole("table").getByRole("link").first().click();
    await page.waitForURL(/\/report\.html$/);
    expect(page.url()).toContain(`${demo.featured.setId}/${demo.featured.runId}/report.html`);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toMatch(/Checkout flows: ✘ failed/);
    const artifact = await page.getByRole("link", { name: "artifacts.jsonl" }).getAttribute("href");
    const download = await page.request.get(new URL(artifact ?? "", page.url()).toString());
    expect(download.status()).toBe(200);
    expect(await download.text()).toBe(await readFile(join(demo.root, DEMO_PREFIX, demo.featured.setId, demo.featured.runId, "artifacts.jsonl"), "utf8"));
    await page.getByRole("link", { name: "Archive" }).click();
    expect(page.url()).toMatch(/\/archive\/(index\.html)?$/);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("have no serious or critical accessibility violation (axe-core), on a desktop or a phone", { timeout: 120_000 }, async () => {
    const pages = [served.url, `${served.url}${demo.featured.setId}/index.html`, `${served.url}${demo.featured.setId}/${demo.featured.runId}/report.html`];
    const found: string[] = [];
    for (const url of pages) {
      found.push(...(await axeViolations(browser, url)));
      found.push(...(await axeViolations(browser, url, VIEWPORTS.phone.viewport)));
    }
    expect(found).toEqual([]);
  });

  it("are photographed on a desktop and a phone", { timeout: 120_000 }, async () => {
    const folder = join(tmpdir(), "simwatch-screenshots");
    const written = await takeScreenshots(browser, served, demo, folder);
    expect(written).toHaveLength(6);
    for (const path of written) expect((await stat(path)).size).toBeGreaterThan(10_000);
  });
});
