/** The set's pages (its runs, newest first) and the archive's index (every set by name). */
import { html, type SafeHtml } from "./html.js";
import { label, page, scrollingTable, timeOf, verdictBadge } from "./page-shell.js";
import { type RunEntry, RUNS_PER_PAGE, type SetListing, setPageFile } from "./pages-model.js";
import { trendChart } from "./trend-chart.js";

const passCounts = (entry: RunEntry) => (entry.total === undefined ? "unknown" : `${entry.passed ?? 0} of ${entry.total}`);

/** Older pages hold the set's runs in the order archived, RUNS_PER_PAGE each: index-2.html the first ones. */
const pageRange = (pageNumber: number) => `Runs ${(pageNumber - 2) * RUNS_PER_PAGE + 1} to ${(pageNumber - 1) * RUNS_PER_PAGE}, in the order archived`;

export interface SetPageInput {
  setId: string;
  setName: string;
  /** This page's runs, newest first. */
  runs: readonly RunEntry[];
  /** The set's last runs for the trend, oldest first. */
  trend: readonly RunEntry[];
  /** Which page this is (1: index.html, the newest runs) and how many pages of older runs there are. */
  pageNumber: number;
  olderPages: number;
}

function otherPages(input: SetPageInput): SafeHtml {
  const numbers = Array.from({ length: input.olderPages }, (_, index) => input.olderPages + 1 - index);
  const links = [1, ...numbers]
    .filter((number) => number !== input.pageNumber)
    .map((number) => html`<li><a href="${setPageFile(number)}">${number === 1 ? "Newest runs" : pageRange(number)}</a></li>`);
  return links.length === 0 ? html`` : html`<nav aria-label="Pages of runs"><h2>More runs</h2><ul>${links}</ul></nav>`;
}

export function renderSetPage(input: SetPageInput, generatedAt: string): string {
  const rows = input.runs.map(
    (entry) => html`<tr><th scope="row"><a href="${entry.runId}/report.html">${timeOf(entry.createdAt)}</a></th><td>${verdictBadge(entry.verdict)}</td><td>${label("Unit tests passed")}${passCounts(entry)}</td><td>${label("Run")}<code>${entry.runId}</code></td></tr>`,
  );
  const table = html`<table class="cards"><thead><tr><th scope="col">Started</th><th scope="col">Verdict</th><th scope="col">Unit tests passed</th><th scope="col">Run</th></tr></thead><tbody>${rows}</tbody></table>`;
  const body = html`<section aria-labelledby="trend"><h2 id="trend">Pass-rate trend, last ${input.trend.length} runs</h2>${trendChart(input.trend, "trend-chart")}</section>
<section aria-labelledby="runs"><h2 id="runs">${input.pageNumber === 1 ? "Runs, newest first" : `${pageRange(input.pageNumber)}, newest first`}</h2>
${input.runs.length === 0 ? html`<p>No runs archived yet.</p>` : scrollingTable("Runs", table)}</section>
${otherPages(input)}`;
  return page({
    title: `${input.setName}: archived runs`,
    crumbs: [{ label: "Archive", href: "../index.html" }, { label: input.setName }],
    heading: html`${input.setName} <code>${input.setId}</code>`,
    body,
    generatedAt,
  });
}

export function renderArchiveIndex(sets: readonly SetListing[], generatedAt: string): string {
  const sorted = [...sets].sort((a, b) => a.setName.localeCompare(b.setName) || a.setId.localeCompare(b.setId));
  const rows = sorted.map(
    (set, index) =>
      html`<tr><th scope="row"><a href="${set.setId}/index.html">${set.setName}</a></th><td>${label("Latest run")}${verdictBadge(set.latest.verdict)} ${timeOf(set.latest.createdAt)}</td><td>${label("Unit tests passed")}${passCounts(set.latest)}</td><td>${label("Trend")}${trendChart(set.trend, `trend-${index}`, { compact: true })}</td><td>${label("Runs archived")}${set.runs}</td></tr>`,
  );
  const table = html`<table class="cards"><thead><tr><th scope="col">Set</th><th scope="col">Latest run</th><th scope="col">Unit tests passed</th><th scope="col">Trend</th><th scope="col">Runs archived</th></tr></thead><tbody>${rows}</tbody></table>`;
  const body = html`<section aria-labelledby="sets"><h2 id="sets">Sets by name</h2>${sorted.length === 0 ? html`<p>Nothing archived yet.</p>` : scrollingTable("Sets", table)}</section>`;
  return page({ title: "simwatch archive", crumbs: [{ label: "Archive" }], heading: "simwatch archive", body, generatedAt });
}
