/** The grid of a run's unit tests x repetitions, with each metric's outcome in words and symbols. */
import type { Run } from "../model/amigo-model.js";
import { metricOutcomes, type MetricOutcome } from "../model/unit-test-outcome.js";
import type { RunSummary } from "../summary/summary-model.js";
import { html, type SafeHtml } from "./html.js";
import { scrollingTable } from "./page-shell.js";

const CELL: Record<MetricOutcome, SafeHtml> = {
  passed: html`<span class="pass"><span aria-hidden="true">✔</span> pass</span>`,
  failed: html`<span class="fail"><span aria-hidden="true">✘</span> fail</span>`,
  errored: html`<span class="error"><span aria-hidden="true">⚠</span> error</span>`,
  none: html`<span class="none">not judged</span>`,
};

/** Unit test names the summary knows (every one since it carries unitTestNames); others go by id. */
function namesOf(summary: RunSummary): Map<string, string> {
  const names = new Map<string, string>(Object.entries(summary.unitTestNames ?? {}));
  for (const error of summary.runErrors) names.set(error.unitTestId, error.unitTestName);
  for (const test of summary.flaky ?? []) names.set(test.unitTestId, test.name);
  for (const test of summary.failingUnitTests) names.set(test.unitTestId, test.name);
  return names;
}

export function outcomeGrid(summary: RunSummary, run: Pick<Run, "unit_test_run_specs" | "unit_test_run_results"> | undefined): SafeHtml {
  const heading = html`<h2 id="grid">Unit tests and repetitions</h2>`;
  const results = (run?.unit_test_run_results ?? []).flatMap((result) => (result ? [result] : []));
  if (results.length === 0) return html`<section aria-labelledby="grid">${heading}<p class="muted">Amigo gave no per-repetition results for this run.</p></section>`;
  const names = namesOf(summary);
  const specs = new Map((run?.unit_test_run_specs ?? []).map((spec) => [spec.unit_test_id, spec]));
  const rows = results.map((result) => ({ result, metrics: metricOutcomes(result), spec: specs.get(result.unit_test_id) }));
  const repetitions = Math.max(1, ...rows.flatMap((row) => [row.spec?.run_count ?? 0, ...row.metrics.map((metric) => metric.outcomes.length)]));
  const columns = Array.from({ length: repetitions }, (_, index) => html`<th scope="col">Repetition ${index + 1}</th>`);
  const bodies = rows.map(({ result, metrics, spec }) => {
    const name = names.get(result.unit_test_id) ?? `Unit test ${result.unit_test_id}`;
    const shown = metrics.length > 0 ? metrics : [{ metricId: "", outcomes: result.run_errors.map((error): MetricOutcome => (error === null ? "none" : "errored")) }];
    const metricRows = shown.map((metric, index) => {
      const criterion = spec?.metrics_to_evaluate.find((candidate) => candidate.metric_id === metric.metricId)?.success_criterion_name ?? (metric.metricId || "No metric");
      const cells = Array.from({ length: repetitions }, (_, repetition) => html`<td>${CELL[metric.outcomes[repetition] ?? "none"]}</td>`);
      const testHeader = index === 0 ? html`<th scope="rowgroup" rowspan="${shown.length}">${name}</th>` : "";
      return html`<tr>${testHeader}<th scope="row">${criterion}</th>${cells}</tr>`;
    });
    return html`<tbody>${metricRows}</tbody>`;
  });
  const table = html`<table><caption class="muted">Each metric's outcome on each repetition of each unit test.</caption><thead><tr><th scope="col">Unit test</th><th scope="col">Metric</th>${columns}</tr></thead>${bodies}</table>`;
  return html`<section aria-labelledby="grid">${heading}${scrollingTable("Unit tests and repetitions", table)}</section>`;
}
