/**
 * `npm run screenshots`: the demo archive's index, a set's page and a failing run's report in
 * Chromium on a desktop and a phone, written to docs/images/ for README.md and docs/archive.md.
 */
import { resolve } from "node:path";
import { launchChromium, serveArchive, takeScreenshots } from "./archive-in-browser.js";
import { writeDemoArchive } from "./demo-archive.js";

const folder = resolve(import.meta.dirname, "../../docs/images");
const demo = await writeDemoArchive();
const served = await serveArchive(demo);
const browser = await launchChromium();
try {
  for (const path of await takeScreenshots(browser, served, demo, folder)) process.stdout.write(`${path}\n`);
} finally {
  await browser.close();
  await served.close();
}
