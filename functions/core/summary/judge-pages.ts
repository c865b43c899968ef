/**
 * A finished run's judge results, kept in state page by page as Amigo returned them, full
 * justifications included (stateKeys.judgePage). The poller reads them a page at a time within
 * Amigo's limit on metric results, so a run with thousands of results is read over several ticks
 * and no page is asked for twice; the summary is built from the stored pages with each
 * justification cut to what a message can show, and the archive restores the full text from
 * them. Only the failing evaluations' results are held in memory, one page at a time.
 */
import type { MetricEvaluationResult, Run } from "../model/amigo-model.js";
import type { StateStore } from "../ports.js";
import { stateKeys } from "../idempotency/state-keys.js";
import { briefJustification, type JudgeResults } from "./judge-reasons.js";
import type { RunSummary } from "./summary-model.js";

/** Characters of a justification the summary on the bus keeps; the archive has the rest. */
export const JUSTIFICATION_KEPT = 600;

export async function storeJudgePage(state: StateStore, runId: string, index: number, results: readonly MetricEvaluationResult[]): Promise<void> {
  // A page stored by an earlier, interrupted tick holds the same answer: keep it.
  await state.create(stateKeys.judgePage(runId, index), results);
}

/** Each stored page in order, one in memory at a time. */
export async function* storedJudgePages(state: StateStore, runId: string): AsyncIterable<MetricEvaluationResult[]> {
  const keys = (await state.list(stateKeys.judgePagesPrefix(runId))).sort();
  for (const key of keys) {
    const page = await state.get<MetricEvaluationResult[]>(key);
    if (page) yield page.value;
  }
}

/** Ids of the run's failing evaluation results: the only ones a summary tells. */
export function failingEvaluationIds(run: Run): Set<string> {
  const ids = run.unit_test_run_results.flatMap((result) =>
    (result?.metric_evaluation_results ?? []).flatMap((evaluation) => evaluation.results.flatMap(([id, passed]) => (passed ? [] : [id]))),
  );
  return new Set(ids);
}

/** The judge's results for the run's summary, from the stored pages: failing ones only, justifications cut. */
export async function judgeResultsFromPages(state: StateStore, run: Run): Promise<JudgeResults> {
  const wanted = failingEvaluationIds(run);
  const results: MetricEvaluationResult[] = [];
  for await (const page of storedJudgePages(state, run.id)) {
    for (const result of page) {
      if (wanted.has(result.id)) results.push({ ...result, justification: briefJustification(result.justification, JUSTIFICATION_KEPT) });
    }
  }
  return { results };
}

/** The summary with every reason's justification in full again, from the stored pages (for the archive). */
export async function withFullJustifications(state: StateStore, summary: RunSummary): Promise<RunSummary> {
  const reasons = summary.failingUnitTests.flatMap((test) => test.failingMetrics.flatMap((metric) => metric.reasons ?? []));
  const wanted = new Set(reasons.flatMap((reason) => (reason.evaluationId ? [reason.evaluationId] : [])));
  if (wanted.size === 0) return summary;
  const full = new Map<string, string>();
  for await (const page of storedJudgePages(state, summary.runId)) {
    for (const result of page) if (wanted.has(result.id)) full.set(result.id, result.justification);
  }
  if (full.size === 0) return summary;
  return {
    ...summary,
    failingUnitTests: summary.failingUnitTests.map((test) => ({
      ...test,
      failingMetrics: test.failingMetrics.map((metric) => ({
        ...metric,
        ...(metric.reasons
          ? { reasons: metric.reasons.map((reason) => ({ ...reason, justification: (reason.evaluationId && full.get(reason.evaluationId)) ?? reason.justification })) }
          : {}),
      })),
    })),
  };
}
