/**
 * The archive's pages in a real browser: Debian's chromium driven by playwright-core, the pages
 * served by the archive browser (the Hono app simwatch serve mounts at /archive/) over loopback
 * HTTP. Used by the browser tests and by `npm run screenshots`.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import { type Browser, chromium, type Page } from "playwright-core";
import { FileSystemArchiveStore } from "../../functions/archive/fs-archive-store.js";
import { createArchiveBrowser } from "../../functions/archive/web/archive-browser.js";
import { DEMO_PREFIX, type DemoArchive } from "./demo-archive.js";
import { findExecutable } from "./processes.js";

/** CHROMIUM_PATH, else Debian's chromium (`.ci/run` installs it with apt-get when missing). */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? findExecutable("chromium") ?? findExecutable("chromium-browser");
  if (!path) throw new Error("The browser tests need Chromium: sudo apt-get install -y --no-install-recommends chromium (or set CHROMIUM_PATH).");
  return path;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
}

export interface ServedArchive {
  /** http://127.0.0.1:PORT/archive/ */
  url: string;
  close(): Promise<void>;
}

export async function serveArchive(demo: DemoArchive): Promise<ServedArchive> {
  const app = createArchiveBrowser({ reader: new FileSystemArchiveStore({ root: demo.root }), archivePrefix: DEMO_PREFIX });
  const server: ServerType = await new Promise((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/archive/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** What a page did that it must not: console errors, script errors, requests to anywhere but `origin`. */
export function watchPage(page: Page, origin: string): string[] {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error on ${page.url()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`script error on ${page.url()}: ${error.message}`));
  page.on("request", (request) => {
    if (!request.url().startsWith(origin) && !request.url().startsWith("data:")) problems.push(`request leaving the server: ${request.url()}`);
  });
  return problems;
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core's serious and critical violations on the page at `url` (run where the page's CSP lets it). */
export async function axeViolations(browser: Browser, url: string, viewport = { width: 1280, height: 800 }): Promise<string[]> {
  const context = await browser.newContext({ bypassCSP: true, viewport });
  try {
    const page = await context.newPage();
    await page.goto(url);
    await page.addScriptTag({ content: AXE_SOURCE });
    const violations = await page.evaluate(async () => {
      const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> } }).axe;
      return (await axe.run()).violations.map((violation) => ({ id: violation.id, impact: violation.impact, nodes: violation.nodes.length }));
    });
    return violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical").map((violation) => `${violation.id} (${violation.impact}, ${violation.nodes} elements) on ${url}`);
  } finally {
    await context.close();
  }
}

export const VIEWPORTS = {
  desktop: { viewport: { width: 1280, height: 900 } },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
} as const;

/** Screenshots of the archive's index and the featured run's report, on a desktop and a phone, into `folder`. */
export async function takeScreenshots(browser: Browser, served: ServedArchive, demo: DemoArchive, folder: string): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  const pages = { index: served.url, set: `${served.url}${demo.featured.setId}/index.html`, report: `${served.url}${demo.featured.setId}/${demo.featured.runId}/report.html` };
  const written: string[] = [];
  for (const [device, options] of Object.entries(VIEWPORTS)) {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    for (const [name, url] of Object.entries(pages)) {
      await page.goto(url);
      const path = join(folder, `archive-${name}-${device}.png`);
      // The report is long: its first screens show what matters; the index and set pages fit whole.
      await page.screenshot({ path, fullPage: name !== "report" || device === "desktop", ...(name === "report" && device === "desktop" ? { clip: { x: 0, y: 0, width: 1280, height: 1800 } } : {}) });
      written.push(path);
    }
    await context.close();
  }
  return written;
}
