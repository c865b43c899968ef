/**
 * Why a run failed, in the judge's words: Amigo's metric evaluation results, read with one
 * paged call per finished run that has a failing evaluation (never for runs that passed),
 * matched to the run's failing evaluations by evaluation id, and told against the criterion:
 * "scored 3, needs >= 4", "was `rude`, expected one of friendly, neutral".
 */
import { isAmigoError, isDeferral } from "../model/amigo-errors.js";
import type { MetricEvaluationResult, Run, RunMetricEvaluation, SuccessCriterion } from "../model/amigo-model.js";
import type { Line } from "../chat.js";
import { mapConcurrent } from "../util/concurrency.js";
import { errorFields, type Logger, silentLogger } from "../log.js";
import type { AmigoApi } from "../ports.js";
import type { FailureReason } from "./summary-model.js";

/** The judge's results for one run, or why simwatch could not read them (said, never guessed). */
export type JudgeResults = { results: readonly MetricEvaluationResult[] } | { unavailable: string };

/** How many metric-result reads a tick keeps in flight. */
const READ_CONCURRENCY = 4;

export const REASONS_FORBIDDEN =
  "simwatch's Amigo API key may not read metric evaluation results, so the judge's scores and reasons are not shown.";

export const REASONS_DEFERRED =
  "The judge gave more results than Amigo lets simwatch read right now, so the judge's scores and reasons are not shown here; the run's message gets them once read.";

/** A finished run with at least one failing metric evaluation: the only runs whose results are read. */
export function hasFailingEvaluation(run: Run): boolean {
  return (
    run.is_completed &&
    run.unit_test_run_results.some((result) => result?.metric_evaluation_results.some((evaluation) => evaluation.results.some(([, passed]) => !passed)))
  );
}

/** Runs whose results need reading (those with a failing evaluation). */
export function needingJudgeResults(runs: readonly Run[]): Run[] {
  return runs.filter(hasFailingEvaluation);
}

/**
 * One paged call per run that needs it (at most READ_CONCURRENCY at once); a failed read
 * becomes a sentence. For a person asking about a few runs (`/sim status`, the CI gate); the
 * poller reads a page at a time instead (judge-pages.ts).
 */
export async function readJudgeResults(amigo: AmigoApi, runs: readonly Run[], log: Logger = silentLogger): Promise<Map<string, JudgeResults>> {
  const needed = needingJudgeResults(runs);
  const read = await mapConcurrent(needed, READ_CONCURRENCY, async (run): Promise<JudgeResults> => {
    try {
      return { results: await amigo.listMetricResults(run.id) };
    } catch (error) {
      log.warn("summary.judge_results_unavailable", { runId: run.id, ...errorFields(error) });
      if (isAmigoError(error, "forbidden")) return { unavailable: REASONS_FORBIDDEN };
      if (isDeferral(error)) return { unavailable: REASONS_DEFERRED };
      const code = isAmigoError(error) ? error.code : "error";
      return { unavailable: `Amigo did not return the judge's scores and reasons (${code}), so they are not shown.` };
    }
  });
  return new Map(needed.map((run, index) => [run.id, read[index]!]));
}

/** The judge's results by evaluation id, the id the run's results name each evaluation by. */
export function resultsById(judged: JudgeResults | undefined): ReadonlyMap<string, MetricEvaluationResult> | undefined {
  return judged && "results" in judged ? new Map(judged.results.map((result) => [result.id, result])) : undefined;
}

/** The reasons for a metric's failing evaluations that Amigo has, by repetition. */
export function reasonsFor(evaluation: RunMetricEvaluation, byId: ReadonlyMap<string, MetricEvaluationResult>): FailureReason[] {
  return evaluation.results
    .flatMap(([id, passed], position): FailureReason[] => {
      const found = passed ? undefined : byId.get(id);
      if (!found) return [];
      const runIndex = found.source.type === "simulation" && typeof found.source.run_index === "number" ? found.source.run_index : position;
      return [{ evaluationId: id, runIndex, value: found.result, justification: found.justification }];
    })
    .sort((a, b) => a.runIndex - b.runIndex);
}

/** What the criterion asks for: "needs >= 4", "expected true", "expected one of friendly, neutral". */
function expectation(criterion: SuccessCriterion): string {
  switch (criterion.type) {
    case "numerical":
      return `needs ${criterion.verb} ${criterion.threshold}`;
    case "boolean":
      return `expected ${criterion.expected_value}`;
    case "categorical":
      return criterion.expected_values.length === 1 ? `expected ${criterion.expected_values[0]}` : `expected one of ${criterion.expected_values.join(", ")}`;
  }
}

/** The value against the criterion, as a line: "scored 3, needs >= 4", "was `rude`, expected friendly". */
export function findingOf(criterion: SuccessCriterion | undefined, value: FailureReason["value"]): Line {
  if (value === null) return [criterion ? `gave no value, ${expectation(criterion)}` : "gave no value"];
  if (criterion?.type === "numerical" && typeof value === "number") return [`scored ${value}, ${expectation(criterion)}`];
  if (typeof value === "boolean") return [`was ${value}${criterion ? `, ${expectation(criterion)}` : ""}`];
  return ["was ", { code: String(value) }, ...(criterion ? [`, ${expectation(criterion)}`] : [])];
}

/** "repetition 2 of 3" (Amigo counts from 0, people from 1). */
export function repetitionText(runIndex: number, repetitions: number | undefined): string {
  return repetitions !== undefined && repetitions > 1 ? `repetition ${runIndex + 1} of ${repetitions}` : `repetition ${runIndex + 1}`;
}

/**
 * The justification short enough for a message: whole when it fits, else cut after the last
 * sentence that ends within `max` characters, else at the last word, with "…".
 */
export function briefJustification(text: string, max = 300): string {
  const clean = text.replace(/\s+/g, " ").trim();
  if (clean.length <= max) return clean;
  const head = clean.slice(0, max);
  const sentenceEnds = [...head.matchAll(/[.!?](?=\s)/g)].map((match) => match.index + 1);
  const lastSentence = sentenceEnds.at(-1);
  if (lastSentence !== undefined && lastSentence >= max / 3) return head.slice(0, lastSentence);
  const room = head.slice(0, max - 1);
  const lastSpace = room.lastIndexOf(" ");
  return `${(lastSpace > max / 3 ? room.slice(0, lastSpace) : room).trimEnd()}…`;
}
