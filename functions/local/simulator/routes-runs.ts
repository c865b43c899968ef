/** Runs: list, create, cancel (`/v1/{org}/simulation/unit_test_set_run/`). */
import type { Hono } from "hono";
import { OBJECT_ID } from "../../core/model/amigo-model.js";
import { guard } from "./guard.js";
import { detail, invalid, type SimContext, type SimEnv } from "./hono-env.js";
import { pageOf, QueryReader } from "./query-params.js";
import type { RunPlan } from "./run-plan.js";
import { runFlags, runView } from "./run-view.js";
import type { SimulatorState } from "./simulator-state.js";

const RUNS = "/v1/:org/simulation/unit_test_set_run/";
const RUN_ID_PARAM = "simulation_unit_test_set_run_id";

export function registerRunRoutes(app: Hono<SimEnv>, state: SimulatorState): void {
  app.get(RUNS, guard(state, "listRuns"), (c) => listRuns(c, state));

  app.post(RUNS, guard(state, "createRun"), async (c) => {
    const body: unknown = await c.req.json().catch(() => undefined);
    const setId = body !== null && typeof body === "object" ? (body as Record<string, unknown>).simulation_unit_test_set_id : undefined;
    if (typeof setId !== "string") {
      return invalid(c, [{ loc: ["body", "simulation_unit_test_set_id"], msg: "Field required", type: "missing" }]);
    }
    if (!OBJECT_ID.test(setId)) {
      return invalid(c, [
        { loc: ["body", "simulation_unit_test_set_id"], msg: `String should match pattern '${OBJECT_ID.source}'`, type: "string_pattern_mismatch" },
      ]);
    }
    const result = state.createRun({ setId, creator: c.get("user"), enforceOneActive: true });
    if ("error" in result) {
      return result.error === "set_not_found"
        ? detail(c, 404, "The specified organization or simulation unit test set was not found.")
        : detail(c, 409, "The user already has an unfinished run for this simulation unit test set.");
    }
    return c.json({ simulation_unit_test_set_run_id: result.runId }, 201);
  });

  app.delete(`${RUNS}:runId/`, guard(state, "cancelRun"), (c) => {
    const runId = c.req.param("runId");
    if (!OBJECT_ID.test(runId)) return invalidRunId(c);
    const result = state.cancelRun(runId);
    if (result === "not_found") return detail(c, 404, "The specified organization or simulation unit test set run was not found.");
    if (result === "not_in_progress") return detail(c, 409, "The simulation unit test set run is not in progress.");
    return c.body(null, 204);
  });
}

export function invalidRunId(c: SimContext) {
  return invalid(c, [{ loc: ["path", RUN_ID_PARAM], msg: `String should match pattern '${OBJECT_ID.source}'`, type: "string_pattern_mismatch" }]);
}

function listRuns(c: SimContext, state: SimulatorState) {
  const query = new QueryReader(new URL(c.req.url).searchParams);
  const ids = new Set(query.ids("id"));
  const setIds = new Set(query.ids("simulation_unit_test_set_id"));
  const creators = new Set(query.creators("creator"));
  const isCompleted = query.bool("is_completed");
  const failedMetrics = query.bool("failed_metrics");
  const errored = query.bool("errored");
  const after = query.date("created_after");
  const before = query.date("created_before");
  const sort = query.sortBy("sort_by", ["created_at"]);
  const limit = query.int("limit", { min: 0, max: 50, fallback: 50 });
  const token = query.int("continuation_token", { min: 0, fallback: 0 });
  if (query.problems.length > 0) return invalid(c, query.problems);

  const nowMs = state.clock.nowMs();
  const candidates: RunPlan[] = (ids.size > 0 ? [...ids].flatMap((id) => state.runs.get(id) ?? []) : state.runOrder).filter(
    (plan) =>
      (setIds.size === 0 || setIds.has(plan.setId)) &&
      (creators.size === 0 || creators.has(`${plan.creator.org_id},${plan.creator.user_id}`)) &&
      (after === undefined || plan.createdAtMs >= after) &&
      (before === undefined || plan.createdAtMs <= before),
  );
  candidates.sort((a, b) => a.createdAtMs - b.createdAtMs || a.id.localeCompare(b.id));
  if (sort[0]?.descending === true) candidates.reverse();

  const matching =
    isCompleted === undefined && failedMetrics === undefined && errored === undefined
      ? candidates
      : candidates.filter((plan) => {
          const flags = runFlags(plan, nowMs);
          return (
            (isCompleted === undefined || flags.is_completed === isCompleted) &&
            (failedMetrics === undefined || flags.failed_metrics === failedMetrics) &&
            (errored === undefined || flags.errored === errored)
          );
        });
  // Views are built for the returned page only.
  const planPage = pageOf(matching, token, limit);
  const page = { ...planPage, items: planPage.items.map((plan) => runView(plan, nowMs)) };
  return c.json({
    simulation_unit_test_set_runs: page.items,
    has_more: page.has_more,
    continuation_token: page.continuation_token,
    filter_values:
      token === 0
        ? {
            creators: uniqueBy(candidates.map((plan) => plan.creator), (creator) => `${creator.org_id},${creator.user_id}`),
            simulation_unit_test_set_ids: [...new Set(candidates.map((plan) => plan.setId))],
            tags: [],
          }
        : null,
  });
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  return [...new Map(items.map((item) => [key(item), item])).values()];
}
