/**
 * Why a run failed and how the set has been doing, as mrkdwn: a failing unit test with its
 * failing metrics and the judge's reasons (the first one on the card, all of them in the
 * "Why it failed" reply), the pass-rate sparkline and the flaky tests. Everything from Amigo
 * is escaped; justifications are cut cleanly (core's briefJustification).
 */
import { briefJustification, findingOf, repetitionText } from "../core/summary/judge-reasons.js";
import { flakyWhy, sparkline, trendChange } from "../core/summary/run-history.js";
import type { FailingMetric, FailingUnitTest, FailureReason, FlakyTest, Trend } from "../core/summary/summary-model.js";
import { escapeCode, escapeText, truncatePlain } from "./escape.js";
import { lineMarkup, ownerMarkup } from "./mrkdwn.js";
import type { Owner } from "../core/chat.js";

/** Longest name, criterion or run error shown as is (cut before escaping, so the cut never splits an escape). */
export const SHOWN_MAX = { name: 200, criterion: 200, runError: 300 } as const;

/** Text from Amigo, cut to `max` characters and escaped. */
export function shortText(text: string, max: number): string {
  return escapeText(truncatePlain(text, max));
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** A metric by its criterion's name; by id only where Amigo gave no name. */
function metricName(metric: FailingMetric): string {
  return metric.criterionName !== metric.metricId ? shortText(metric.criterionName, SHOWN_MAX.name) : `metric \`${escapeCode(metric.metricId)}\``;
}

function metricLine(metric: FailingMetric): string {
  const criterion = metric.criterion ? `: ${shortText(metric.criterion, SHOWN_MAX.criterion)}` : "";
  return `• ${metricName(metric)}${criterion}, failed ${metric.failedRuns} of ${plural(metric.evaluatedRuns, "run")}`;
}

/** "repetition 1 of 2: scored 2, needs >= 4 — “The customer had to …”" */
function reasonMarkup(metric: FailingMetric, reason: FailureReason, repetitions: number | undefined): string {
  const finding = lineMarkup(findingOf(metric.successCriterion, reason.value));
  const said = briefJustification(reason.justification);
  return `${repetitionText(reason.runIndex, repetitions)}: ${finding}${said ? ` — “${escapeText(said)}”` : ""}`;
}

/** The first reason the judge gave for any of the test's failing metrics, as one line. */
function firstReasonLine(test: FailingUnitTest): string | undefined {
  const withReasons = test.failingMetrics.filter((metric) => (metric.reasons?.length ?? 0) > 0);
  const [metric] = withReasons;
  const reason = metric?.reasons?.[0];
  if (!metric || !reason) return undefined;
  const which = test.failingMetrics.length > 1 ? `${metricName(metric)}, ` : "";
  return `↳ ${which}${reasonMarkup(metric, reason, test.repetitions)}`;
}

export interface FailingTestOptions {
  /** "first": one line with the first reason (the card); "all": every reason (the thread reply). */
  reasons: "first" | "all";
  /** 1-based position in the run's list, shown before the name. */
  position?: number;
  /** In "all", at most this many reasons per metric; the rest are counted. */
  maxReasonsPerMetric?: number;
  /** The unit test's owners (its `owner` tag), shown next to its name. */
  owners?: readonly Owner[];
}

/** One failing unit test: its name (marked when flaky), each failing metric with its criterion, the judge's reasons, run errors. */
export function failingTestMarkup(test: FailingUnitTest, options: FailingTestOptions = { reasons: "first" }): string {
  const owners = options.owners && options.owners.length > 0 ? ` · owner${options.owners.length > 1 ? "s" : ""}: ${options.owners.map(ownerMarkup).join(" ")}` : "";
  const heading = `${options.position !== undefined ? `${options.position}. ` : ""}*${shortText(test.name, SHOWN_MAX.name).replaceAll("*", "∗")}*${test.flaky ? " · _flaky_" : ""}${owners}`;
  const lines = [heading];
  const maxReasons = options.maxReasonsPerMetric ?? 5;
  for (const metric of test.failingMetrics) {
    lines.push(metricLine(metric));
    if (options.reasons !== "all") continue;
    const reasons = metric.reasons ?? [];
    for (const reason of reasons.slice(0, maxReasons)) lines.push(`      ◦ ${reasonMarkup(metric, reason, test.repetitions)}`);
    if (reasons.length > maxReasons) lines.push(`      ◦ …and ${plural(reasons.length - maxReasons, "more repetition")} in summary.md`);
  }
  if (options.reasons === "first") {
    const first = firstReasonLine(test);
    if (first) lines.push(first);
  }
  for (const message of test.runErrors.slice(0, 3)) lines.push(`• run error: ${shortText(message, SHOWN_MAX.runError)}`);
  if (test.runErrors.length > 3) lines.push(`• …and ${plural(test.runErrors.length - 3, "more run error")}`);
  return lines.join("\n");
}

/** "*Unit tests passed, last 4 runs* ▂▅█▇ 2 of 3, down from 3 of 3" */
export function trendMarkup(trend: Trend): string {
  const runs = trend.points.length;
  return `*Unit tests passed, last ${plural(runs, "finished run")}*  ${sparkline(trend.points)}  ${escapeText(trendChange(trend))}`;
}

/** Flaky tests apart from the diff: their failures may be noise. */
export function flakyMarkup(flaky: readonly FlakyTest[], max = 10): string | undefined {
  if (flaky.length === 0) return undefined;
  const shown = flaky.slice(0, max).map((test) => `${shortText(test.name, SHOWN_MAX.name)} (${test.failing ? "" : "passed this time; "}${escapeText(flakyWhy(test))})`);
  const more = flaky.length > max ? ` and ${flaky.length - max} more` : "";
  return `:large_yellow_circle: *Flaky*, failures may be noise: ${shown.join(", ")}${more}`;
}
