/** Sets, unit tests and metric evaluation results: read-only lists. */
import type { Hono } from "hono";
import type { MetricEvaluationResult } from "../../core/model/amigo-model.js";
import { guard } from "./guard.js";
import { invalid, type SimEnv } from "./hono-env.js";
import { pageOf, QueryReader } from "./query-params.js";
import { metricResults } from "./run-view.js";
import type { SimulatorState } from "./simulator-state.js";

export function registerCatalogRoutes(app: Hono<SimEnv>, state: SimulatorState): void {
  app.get("/v1/:org/simulation/unit_test_set/", guard(state, "listSets"), (c) => {
    const query = new QueryReader(new URL(c.req.url).searchParams);
    const ids = new Set(query.ids("id"));
    const deleted = query.bool("is_deleted");
    const limit = query.int("limit", { min: 0, max: 20, fallback: 20 });
    const token = query.int("continuation_token", { min: 0, fallback: 0 });
    if (query.problems.length > 0) return invalid(c, query.problems);
    const sets = [...state.catalog.sets.values()].filter(
      (set) => (ids.size === 0 || ids.has(set.id)) && (deleted === undefined || set.is_deleted === deleted),
    );
    const page = pageOf(sets, token, limit);
    return c.json({
      simulation_unit_test_sets: page.items,
      has_more: page.has_more,
      continuation_token: page.continuation_token,
      filter_values: token === 0 ? { creators: [], unit_test_ids: [], tags: [] } : null,
    });
  });

  app.get("/v1/:org/simulation/unit_test/", guard(state, "listUnitTests"), (c) => {
    const query = new QueryReader(new URL(c.req.url).searchParams);
    const ids = new Set(query.ids("id"));
    const deleted = query.bool("is_deleted");
    const limit = query.int("limit", { min: 0, max: 500, fallback: 50 });
    const token = query.int("continuation_token", { min: 0, fallback: 0 });
    if (query.problems.length > 0) return invalid(c, query.problems);
    const tests = [...state.catalog.unitTests.values()].filter(
      (test) => (ids.size === 0 || ids.has(test.id)) && (deleted === undefined || test.is_deleted === deleted),
    );
    const page = pageOf(tests, token, limit);
    return c.json({
      simulation_unit_tests: page.items,
      has_more: page.has_more,
      continuation_token: page.continuation_token,
      filter_values:
        token === 0 ? { creators: [], tags: [], service_ids: [], persona_ids: [], scenario_ids: [], metric_ids: [] } : null,
    });
  });

  app.get("/v1/:org/metric/metric_evaluation_result", guard(state, "listMetricResults"), (c) => {
    const query = new QueryReader(new URL(c.req.url).searchParams);
    const runIds = query.ids("simulation_unit_test_set_run_id");
    const metricIds = new Set(query.ids("metric_id"));
    const sourceTypes = new Set(query.strings("source_type"));
    const limit = query.int("limit", { min: 0, max: 500, fallback: 500 });
    const token = query.int("continuation_token", { min: 0, fallback: 0 });
    if (query.problems.length > 0) return invalid(c, query.problems);
    const nowMs = state.clock.nowMs();
    const plans = runIds.length > 0 ? runIds.flatMap((id) => state.runs.get(id) ?? []) : state.runOrder;
    const results: MetricEvaluationResult[] =
      sourceTypes.size > 0 && !sourceTypes.has("simulation")
        ? []
        : plans.flatMap((plan) => metricResults(plan, nowMs)).filter((result) => metricIds.size === 0 || metricIds.has(result.metric_id));
    const page = pageOf(results, token, limit);
    return c.json({
      metric_evaluation_results: page.items,
      has_more: page.has_more,
      continuation_token: page.continuation_token,
      filter_values: token === 0 ? { metric_ids: [...new Set(results.map((result) => result.metric_id))] } : null,
    });
  });
}
