/**
 * Summaries of runs with everything resolved: set and unit-test names (batched look-ups,
 * one request per page, never one per run), whether Amigo accepted simwatch's cancel, the
 * set's previous finished run for the diff, the judge's reasons (one paged call per finished
 * run with a failing evaluation) and each set's last 10 finished runs (one call per set), unless
 * the caller read those already.
 */
import type { Run } from "../model/amigo-model.js";
import type { AmigoApi, StateStore } from "../ports.js";
import { cancelledRuns } from "./cancel-requests.js";
import { mapConcurrent, STATE_CONCURRENCY } from "../util/concurrency.js";
import { type JudgeResults, readJudgeResults } from "./judge-reasons.js";
import type { Logger } from "../log.js";
import { readSetHistories } from "./run-history.js";
import { stateKeys } from "../idempotency/state-keys.js";
import { type PreviousRunOutcome, summarizeRun } from "./summary.js";
import type { RunSummary, Tag } from "./summary-model.js";

export interface NameBook {
  sets: Map<string, string>;
  unitTests: Map<string, string>;
  /** Tags of the sets and unit tests that have any, from the same look-ups (no call of their own). */
  setTags?: Map<string, Tag[]>;
  unitTestTags?: Map<string, Tag[]>;
}

/** The tags of things that have any, by id: `{key, value}` as Amigo lists them. */
function tagsById(things: readonly { id: string; tags?: readonly { key: string; value: string | null }[] }[]): Map<string, Tag[]> {
  return new Map(things.flatMap((thing) => (thing.tags && thing.tags.length > 0 ? [[thing.id, thing.tags.map(({ key, value }) => ({ key, value }))]] : [])));
}

/**
 * Names of the runs' sets, and of the unit tests of `withUnitTests` (default: all of them): one
 * batched look-up per kind, whatever the number of runs. A failed look-up leaves ids in place of names.
 */
export async function lookUpNames(amigo: AmigoApi, runs: readonly Run[], withUnitTests: readonly Run[] = runs): Promise<NameBook> {
  const setIds = [...new Set(runs.map((run) => run.simulation_unit_test_set_id))];
  const unitTestIds = [
    ...new Set(
      withUnitTests.flatMap((run) => [
        ...run.unit_test_run_specs.map((spec) => spec.unit_test_id),
        ...run.unit_test_run_results.flatMap((result) => (result ? [result.unit_test_id] : [])),
      ]),
    ),
  ];
  const [sets, unitTests] = await Promise.all([
    setIds.length > 0 ? amigo.listSets(setIds).catch(() => []) : [],
    unitTestIds.length > 0 ? amigo.listUnitTests(unitTestIds).catch(() => []) : [],
  ]);
  return {
    sets: new Map(sets.map((set) => [set.id, set.name])),
    unitTests: new Map(unitTests.map((test) => [test.id, test.name])),
    setTags: tagsById(sets),
    unitTestTags: tagsById(unitTests),
  };
}

export async function previousOutcome(state: StateStore, setId: string): Promise<PreviousRunOutcome | undefined> {
  return (await state.get<PreviousRunOutcome>(stateKeys.lastFinishedRun(setId)))?.value;
}

export interface SummarizeOptions {
  /** When simwatch first saw each run completed (ISO), by run id. */
  finishedAt?: ReadonlyMap<string, string>;
  gaveUpAfterHours?: ReadonlyMap<string, number>;
  names?: NameBook;
  /** Where a judge's-reasons or history read that failed is logged (the summary says what is missing). */
  log?: Logger;
  /**
   * The judge's results and the sets' histories already read (the poller reads them within its
   * deadline, over several ticks when needed): given, nothing more is read from Amigo for them,
   * and a run or set missing from them is summarised without.
   */
  details?: { judged: ReadonlyMap<string, JudgeResults>; histories: ReadonlyMap<string, readonly Run[]> };
}

export async function summarizeRuns(
  amigo: AmigoApi,
  state: StateStore,
  runs: readonly Run[],
  options: SummarizeOptions = {},
): Promise<RunSummary[]> {
  const completed = runs.filter((run) => run.is_completed);
  const setIds = [...new Set(completed.map((run) => run.simulation_unit_test_set_id))];
  const [names, cancelled, previousBySet, judged, histories] = await Promise.all([
    options.names ?? lookUpNames(amigo, runs),
    cancelledRuns(state, completed),
    mapConcurrent(setIds, STATE_CONCURRENCY, (setId) => previousOutcome(state, setId)).then(
      (outcomes) => new Map(setIds.map((setId, index) => [setId, outcomes[index]])),
    ),
    options.details?.judged ?? readJudgeResults(amigo, completed, options.log),
    options.details?.histories ?? readSetHistories(amigo, setIds, options.log),
  ]);
  return runs.map((run) => {
      const cancelledBySimwatch = run.is_completed && cancelled.has(run.id);
      const previous = run.is_completed ? previousBySet.get(run.simulation_unit_test_set_id) : undefined;
      const finishedAt = options.finishedAt?.get(run.id);
      const gaveUpAfterHours = options.gaveUpAfterHours?.get(run.id);
      const judge = judged.get(run.id);
      const history = run.is_completed ? histories.get(run.simulation_unit_test_set_id) : undefined;
      const setTags = names.setTags?.get(run.simulation_unit_test_set_id);
      return summarizeRun(run, {
        unitTestNames: names.unitTests,
        ...(names.unitTestTags ? { unitTestTags: names.unitTestTags } : {}),
        ...(setTags ? { setTags } : {}),
        cancelledBySimwatch,
        ...(names.sets.has(run.simulation_unit_test_set_id) ? { setName: names.sets.get(run.simulation_unit_test_set_id) } : {}),
        ...(finishedAt ? { finishedAt } : {}),
        ...(previous ? { previous } : {}),
        ...(gaveUpAfterHours !== undefined ? { gaveUpAfterHours } : {}),
        ...(judge ? { judge } : {}),
        ...(history ? { history } : {}),
      });
  });
}
