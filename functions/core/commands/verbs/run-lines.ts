/** One line per run for `status` and `list`, and the small helpers the verbs share. */
import type { Run } from "../../model/amigo-model.js";
import type { Line } from "../../chat.js";
import type { SlackOrigin } from "../../events.js";
import type { AmigoApi, StateStore } from "../../ports.js";
import { cancelledRuns } from "../../summary/cancel-requests.js";
import { lookUpNames } from "../../summary/run-summaries.js";
import { stateKeys } from "../../idempotency/state-keys.js";
import { verdictOf } from "../../summary/summary.js";
import { VERDICT_EMOJI, type Verdict } from "../../model/verdict.js";

export { take } from "../../util/async-items.js";

export async function originOf(state: StateStore, runId: string): Promise<SlackOrigin | undefined> {
  return (await state.get<SlackOrigin>(stateKeys.runOrigin(runId)))?.value;
}

export function startedBy(run: Run, origin: SlackOrigin | undefined): Line {
  return origin ? ["by ", { user: origin.userId }, origin.scheduled ? "'s schedule" : ""] : [`by Amigo user ${run.creator.user_id}`];
}

async function runLine(state: StateStore, run: Run, setName: string, verdict: Verdict): Promise<Line> {
  const origin = await originOf(state, run.id);
  return [`${VERDICT_EMOJI[verdict]} `, { bold: setName }, " ", { code: run.id }, ` ${verdict}, started `, { time: run.created_at }, " ", ...startedBy(run, origin)];
}

export async function runLines(amigo: AmigoApi, state: StateStore, runs: Run[]): Promise<Line[]> {
  // Lines name sets only: no unit-test names to look up.
  const [names, cancelled] = await Promise.all([lookUpNames(amigo, runs, []), cancelledRuns(state, runs)]);
  return Promise.all(
    runs.map((run) => runLine(state, run, names.sets.get(run.simulation_unit_test_set_id) ?? run.simulation_unit_test_set_id, verdictOf(run, cancelled.has(run.id)))),
  );
}
