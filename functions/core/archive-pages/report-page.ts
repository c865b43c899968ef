/**
 * report.html: one run on one self-contained page. The set's page is `../index.html`, the
 * archive's `../../index.html` and the artifact file sits beside the report, so every link is
 * relative and works from disk, the archive browser or one presigned object.
 */
import type { Line } from "../chat.js";
import type { Run } from "../model/amigo-model.js";
import { findingOf, repetitionText } from "../summary/judge-reasons.js";
import { flakyWhy } from "../summary/run-history.js";
import { formatDuration } from "../summary/summary.js";
import type { Counts, FailingMetric, FailingUnitTest, RunSummary } from "../summary/summary-model.js";
import { html, type SafeHtml } from "./html.js";
import { page, timeOf, verdictBadge } from "./page-shell.js";
import type { RunEntry } from "./pages-model.js";
import { outcomeGrid } from "./outcome-grid.js";
import { trendChart } from "./trend-chart.js";

export interface ArchivedArtifact {
  /** The file's name in the run's folder, e.g. artifacts.zip. */
  file: string;
  size: number;
  sha256: string;
  contentType?: string;
}

/** The artifact file could not be archived: why (the report says so where the file would be). */
export interface MissingArtifact {
  failed: string;
}

export interface ReportInput {
  summary: RunSummary;
  /** The run as Amigo returned it (run.json), for the grid of unit tests x repetitions. */
  run?: Pick<Run, "unit_test_run_specs" | "unit_test_run_results">;
  artifacts: ArchivedArtifact | MissingArtifact;
  archivedAt: string;
  /** The set's last runs, oldest first, this one last (at most TREND_RUNS). */
  trend: readonly RunEntry[];
}

const counts = (value: Counts | undefined) => (value ? `${value.passed} of ${value.total} passed${value.pending ? ` (${value.pending} still running)` : ""}` : "unknown");

/** Bytes as a person reads them, with the exact count. */
export function sizeText(bytes: number): string {
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = "";
  for (const next of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return unit ? `${value.toFixed(1)} ${unit} (${bytes.toLocaleString("en-US")} bytes)` : `${bytes} bytes`;
}

/** A message line as HTML: code spans as <code>, the rest as text. */
function lineHtml(line: Line): SafeHtml {
  return html`${line.map((span) => (typeof span === "string" ? span : "code" in span ? html`<code>${span.code}</code>` : ""))}`;
}

function facts(input: ReportInput): SafeHtml {
  const { summary } = input;
  const row = (term: string, value: SafeHtml | string) => html`<dt>${term}</dt><dd>${value}</dd>`;
  return html`<section aria-labelledby="facts"><h2 id="facts">The run</h2><dl class="facts">
${row("Verdict", verdictBadge(summary.verdict))}
${row("Set", html`<a href="../index.html">${summary.setName}</a> <code>${summary.setId}</code>`)}
${row("Run", html`<code>${summary.runId}</code>`)}
${row("Started", html`${timeOf(summary.createdAt)} by ${summary.creator.user_id}`)}
${summary.finishedAt ? row("Finished", timeOf(summary.finishedAt)) : ""}
${summary.durationSeconds !== undefined ? row("Duration", formatDuration(summary.durationSeconds)) : ""}
${row("Unit tests", counts(summary.unitTests))}
${row("Metric evaluations", counts(summary.metricEvaluations))}
${row("Archived", timeOf(input.archivedAt))}
</dl></section>`;
}

function metricDetails(test: FailingUnitTest, metric: FailingMetric): SafeHtml {
  const reasons = metric.reasons ?? [];
  return html`<li><p><strong>${metric.criterionName}</strong>${metric.criterion ? html` (<code>${metric.criterion}</code>)` : ""}: failed ${metric.failedRuns} of ${metric.evaluatedRuns} runs.</p>
${reasons.length === 0 ? html`<p class="muted">The judge's reasons were not available.</p>` : ""}
${reasons.map((reason) => html`<p>${repetitionText(reason.runIndex, test.repetitions)}: the judge ${lineHtml(findingOf(metric.successCriterion, reason.value))}.</p><p class="justification">${reason.justification}</p>`)}
</li>`;
}

function failures(summary: RunSummary): SafeHtml {
  if (summary.failingUnitTests.length === 0) return html``;
  return html`<section aria-labelledby="failures"><h2 id="failures">Why it failed</h2>
${summary.failingUnitTests.map(
  (test) => html`<article><h3>${test.name}${test.flaky ? html` <span class="muted">(flaky)</span>` : ""}</h3><ul>${test.failingMetrics.map((metric) => metricDetails(test, metric))}</ul>
${test.runErrors.length > 0 ? html`<p>Errors:</p><ul>${test.runErrors.map((error) => html`<li class="justification">${error}</li>`)}</ul>` : ""}</article>`,
)}</section>`;
}

function runErrors(summary: RunSummary): SafeHtml {
  if (summary.runErrors.length === 0) return html``;
  return html`<section aria-labelledby="errors"><h2 id="errors">Run errors</h2><ul>${summary.runErrors.map(
    (error) => html`<li><strong>${error.unitTestName}</strong>: <span class="justification">${error.message}</span></li>`,
  )}</ul></section>`;
}

function history(summary: RunSummary): SafeHtml {
  const flaky = summary.flaky ?? [];
  const diff = summary.diff;
  if (flaky.length === 0 && !diff) return html``;
  const names = (list: readonly string[]) => (list.length === 0 ? "none" : html`<ul>${list.map((name) => html`<li>${name}</li>`)}</ul>`);
  return html`<section aria-labelledby="history"><h2 id="history">Flaky tests and changes</h2>
${flaky.length > 0 ? html`<h3>Flaky unit tests (failures may be noise)</h3><ul>${flaky.map((test) => html`<li>${test.name}: ${test.failing ? "failed" : "passed"} in this run; ${flakyWhy(test)}</li>`)}</ul>` : ""}
${diff ? html`<h3>Since the previous run <code>${diff.previousRunId}</code></h3><dl class="facts"><dt>Newly failing</dt><dd>${names(diff.newlyFailing)}</dd><dt>Fixed</dt><dd>${names(diff.fixed)}</dd><dt>Still failing</dt><dd>${names(diff.stillFailing)}</dd></dl>` : ""}
</section>`;
}

function artifact(input: ReportInput): SafeHtml {
  if ("failed" in input.artifacts) {
    return html`<section aria-labelledby="artifact"><h2 id="artifact">Artifact</h2><p>The artifact file is not in the archive: ${input.artifacts.failed}.</p>
<p>Also here: <a href="run.json">run.json</a> (the run as Amigo returned it), <a href="summary.md">summary.md</a></p></section>`;
  }
  const { file, size, sha256, contentType } = input.artifacts;
  return html`<section aria-labelledby="artifact"><h2 id="artifact">Artifact</h2><dl class="facts">
<dt>File</dt><dd><a href="${encodeURIComponent(file)}" download>${file}</a></dd>
<dt>Size</dt><dd>${sizeText(size)}</dd>
<dt>sha256</dt><dd><code>${sha256}</code></dd>
${contentType ? html`<dt>Type</dt><dd><code>${contentType}</code></dd>` : ""}
<dt>Also here</dt><dd><a href="run.json">run.json</a> (the run as Amigo returned it), <a href="summary.md">summary.md</a></dd>
</dl></section>`;
}

function notes(summary: RunSummary): SafeHtml {
  if (summary.notes.length === 0) return html``;
  return html`<section aria-labelledby="notes"><h2 id="notes">Notes</h2><ul>${summary.notes.map((note) => html`<li>${note}</li>`)}</ul></section>`;
}

export function renderReport(input: ReportInput, generatedAt: string): string {
  const { summary } = input;
  const body = html`${facts(input)}
<section aria-labelledby="trend"><h2 id="trend">Pass-rate trend, last ${input.trend.length} runs</h2>${trendChart(input.trend, "trend-chart")}</section>
${outcomeGrid(summary, input.run)}
${failures(summary)}
${runErrors(summary)}
${history(summary)}
${artifact(input)}
${notes(summary)}`;
  return page({
    title: `${summary.setName}: ${summary.verdict} (run ${summary.runId})`,
    crumbs: [{ label: "Archive", href: "../../index.html" }, { label: summary.setName, href: "../index.html" }, { label: `Run ${summary.runId}` }],
    heading: html`${summary.setName}: ${verdictBadge(summary.verdict)}`,
    body,
    generatedAt,
  });
}
