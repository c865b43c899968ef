/** summary.md in the archive: the run's summary for a person browsing the bucket, every judge's reason in full. */
import type { Line } from "../chat.js";
import { briefJustification, findingOf, repetitionText } from "./judge-reasons.js";
import { flakyWhy, sparkline, trendChange } from "./run-history.js";
import { formatDuration } from "./summary.js";
import type { Counts, FailingMetric, FailingUnitTest, FailureReason, RunSummary } from "./summary-model.js";

const counts = (value: Counts | undefined) =>
  value ? `${value.passed}/${value.total}${value.pending ? ` (${value.pending} still running)` : ""}` : "unknown";

export function summaryMarkdown(summary: RunSummary, archive?: { artifactsFile: string; size: number; sha256: string } | { failed: string }): string {
  const lines = [
    `# ${summary.setName}: ${summary.verdict}`,
    "",
    `- Run: \`${summary.runId}\` (set \`${summary.setId}\`)`,
    `- Started: ${summary.createdAt} by ${summary.creator.user_id}`,
    ...(summary.finishedAt ? [`- Finished: ${summary.finishedAt}${summary.durationSeconds !== undefined ? ` (${formatDuration(summary.durationSeconds)})` : ""}`] : []),
    `- Unit tests passed: ${counts(summary.unitTests)}`,
    `- Metric evaluations passed: ${counts(summary.metricEvaluations)}`,
    `- Run errors: ${summary.runErrors.length}`,
  ];
  if (archive && "failed" in archive) lines.push(`- Artifacts: not archived (${archive.failed})`);
  else if (archive) lines.push(`- Artifacts: \`${archive.artifactsFile}\`, ${archive.size} bytes, sha256 \`${archive.sha256}\``);
  if (summary.failingUnitTests.length > 0) {
    lines.push("", "## Failing unit tests", "");
    for (const test of summary.failingUnitTests) lines.push(...failingTestLines(test));
  }
  if (summary.trend && summary.trend.points.length > 0) {
    lines.push("", `## Unit tests passed, last ${summary.trend.points.length} finished runs`, "");
    lines.push(`${sparkline(summary.trend.points)} ${trendChange(summary.trend)}`);
  }
  if (summary.flaky && summary.flaky.length > 0) {
    lines.push("", "## Flaky unit tests (failures may be noise)", "");
    for (const test of summary.flaky) lines.push(`- ${test.name}: ${test.failing ? "failed" : "passed"} in this run; ${flakyWhy(test)}`);
  }
  if (summary.diff) {
    const { newlyFailing, fixed, stillFailing, previousRunId } = summary.diff;
    lines.push("", `## Since the previous run (\`${previousRunId}\`)`, "");
    lines.push(`- Newly failing: ${newlyFailing.join(", ") || "none"}`);
    lines.push(`- Fixed: ${fixed.join(", ") || "none"}`);
    lines.push(`- Still failing: ${stillFailing.join(", ") || "none"}`);
  }
  if (summary.notes.length > 0) lines.push("", "## Notes", "", ...summary.notes.map((note) => `- ${note}`));
  return `${lines.join("\n")}\n`;
}

/** Spans as markdown: code in backticks, the rest as it reads. */
function lineText(line: Line): string {
  return line.map((span) => (typeof span === "string" ? span : "code" in span ? `\`${span.code.replaceAll("`", "'")}\`` : "")).join("");
}

/** "repetition 2 of 3: scored 3, needs >= 4. Judge: …", with the justification in full (or cut to `max`). */
export function reasonText(metric: FailingMetric, reason: FailureReason, repetitions: number | undefined, max?: number): string {
  const finding = lineText(findingOf(metric.successCriterion, reason.value));
  const justification = max === undefined ? reason.justification.replace(/\s+/g, " ").trim() : briefJustification(reason.justification, max);
  return `${repetitionText(reason.runIndex, repetitions)}: ${finding}. Judge: ${justification}`;
}

function failingTestLines(test: FailingUnitTest): string[] {
  const lines = [`- **${test.name}**${test.flaky ? " (flaky)" : ""}`];
  for (const metric of test.failingMetrics) {
    lines.push(`  - ${metric.criterionName}${metric.criterion ? ` (${metric.criterion})` : ""}: failed ${metric.failedRuns} of ${metric.evaluatedRuns} runs`);
    for (const reason of metric.reasons ?? []) lines.push(`    - ${reasonText(metric, reason, test.repetitions)}`);
  }
  for (const error of test.runErrors) lines.push(`  - error: ${error}`);
  return lines;
}
