/**
 * A finished run's details: what its summary needs beyond the run itself, read from Amigo after
 * its verdict has gone out, oldest run first, as far as the tick's deadline and Amigo's limits
 * allow. Two kinds: the judge's results (paged, 500 a page, stored page by page, so a run with
 * thousands of results is read over several ticks and no page twice) and the set's last finished
 * runs (one listing per set, for the trend and flaky tests). Progress lives in the run's watch
 * entry; a tick that runs out of time or of Amigo's allowance stops and the next goes on.
 */
import { isAmigoError, isDeferral } from "../model/amigo-errors.js";
import type { Run } from "../model/amigo-model.js";
import type { Logger } from "../log.js";
import { errorFields } from "../log.js";
import type { AmigoApi, StateStore } from "../ports.js";
import { type Deadline, fits } from "../util/deadline.js";
import { take } from "../util/async-items.js";
import { hasFailingEvaluation, REASONS_FORBIDDEN } from "../summary/judge-reasons.js";
import { storeJudgePage } from "../summary/judge-pages.js";
import { HISTORY_RUNS, historyFilter } from "../summary/run-history.js";

/** How far a run's details have been read (kept in its watch entry). */
export interface DetailsProgress {
  /** When the run's verdict went out. */
  since: string;
  /** The next page of the judge's results to read; absent once every page is stored, or none is needed. */
  judgeNext?: number;
  /** Pages of the judge's results stored so far. */
  judgePages: number;
  /** Why the judge's results cannot be read, when they cannot (said in the summary, never guessed). */
  judgeUnavailable?: string;
}

/** Errors other than Amigo's limits are retried on later ticks for this long, then the summary says what is missing. */
export const DETAILS_PATIENCE_MS = 30 * 60_000;
/** Time a tick keeps back from reading details, to record and save what it read. */
export const DETAILS_RESERVE_MS = 3_000;

export function startDetails(run: Run, since: string): DetailsProgress {
  return { since, judgePages: 0, ...(hasFailingEvaluation(run) ? { judgeNext: 0 } : {}) };
}

export interface DetailsReading {
  amigo: AmigoApi;
  state: StateStore;
  deadline: Deadline;
  logger: Logger;
  now: Date;
}

export interface DetailsRead {
  /** Progress by run id, for every run given. */
  progress: Map<string, DetailsProgress>;
  /** Runs whose details are all read (or known to be unavailable): their summaries can be completed. */
  complete: Set<string>;
  /** The sets' last finished runs, newest first; a set whose listing failed is absent. */
  histories: Map<string, Run[]>;
  /** Sets whose history was listed (one list-runs request each), read or failed. */
  historyReads: number;
}

/** Reads what the runs' summaries still need, oldest first (the order given), within the deadline and Amigo's limits. */
export async function readDetails(reading: DetailsReading, runs: readonly { run: Run; progress: DetailsProgress }[]): Promise<DetailsRead> {
  const read: DetailsRead = { progress: new Map(runs.map(({ run, progress }) => [run.id, { ...progress }])), complete: new Set(), histories: new Map(), historyReads: 0 };
  const listed = new Set<string>();
  let judgeDeferred = false;
  let historyDeferred = false;
  for (const { run } of runs) {
    if (!fits(reading.deadline, DETAILS_RESERVE_MS)) break;
    const progress = read.progress.get(run.id)!;
    if (progress.judgeNext !== undefined && !judgeDeferred) judgeDeferred = await readJudgePages(reading, run, progress);
    if (progress.judgeNext !== undefined) continue;
    const setId = run.simulation_unit_test_set_id;
    if (!listed.has(setId)) {
      if (historyDeferred) continue;
      const outcome = await readHistory(reading, setId);
      if (outcome === "deferred") {
        historyDeferred = true;
        continue;
      }
      listed.add(setId);
      read.historyReads++;
      if (outcome !== "failed") read.histories.set(setId, outcome);
    }
    read.complete.add(run.id);
  }
  return read;
}

/** Reads and stores the run's next judge pages; true when Amigo's limit or the deadline stopped it. */
async function readJudgePages(reading: DetailsReading, run: Run, progress: DetailsProgress): Promise<boolean> {
  while (progress.judgeNext !== undefined) {
    if (!fits(reading.deadline, DETAILS_RESERVE_MS)) return true;
    let page;
    try {
      page = await reading.amigo.metricResultsPage(run.id, progress.judgeNext);
    } catch (error) {
      if (isDeferral(error)) return true;
      giveUpOnJudge(reading, run, progress, error);
      return false;
    }
    await storeJudgePage(reading.state, run.id, progress.judgePages, page.items);
    progress.judgePages++;
    if (page.next === undefined) delete progress.judgeNext;
    else progress.judgeNext = page.next;
  }
  return false;
}

/** A read that failed for good (forbidden), or for longer than DETAILS_PATIENCE_MS, is said; otherwise tried again next tick. */
function giveUpOnJudge(reading: DetailsReading, run: Run, progress: DetailsProgress, error: unknown): void {
  reading.logger.warn("summary.judge_results_unavailable", { runId: run.id, ...errorFields(error) });
  const forbidden = isAmigoError(error, "forbidden");
  if (!forbidden && reading.now.getTime() - Date.parse(progress.since) < DETAILS_PATIENCE_MS) return;
  const code = isAmigoError(error) ? error.code : "error";
  progress.judgeUnavailable = forbidden ? REASONS_FORBIDDEN : `Amigo did not return the judge's scores and reasons (${code}), so they are not shown.`;
  delete progress.judgeNext;
}

async function readHistory(reading: DetailsReading, setId: string): Promise<Run[] | "deferred" | "failed"> {
  try {
    return await take(reading.amigo.listRuns(historyFilter(setId)), HISTORY_RUNS);
  } catch (error) {
    if (isDeferral(error)) return "deferred";
    reading.logger.warn("summary.history_unavailable", { setId, ...errorFields(error) });
    return "failed";
  }
}
