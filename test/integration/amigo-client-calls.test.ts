/** Every Amigo call the client makes, each filter, and paging across pages, against the simulator. */
import { describe, expect, it } from "vitest";
import { InvalidRequest } from "../../functions/core/model/amigo-errors.js";
import { collect, rejectionOf, testClient, useSimulator } from "../support/simulator.js";

const sim = useSimulator();

const queryOf = (index = -1) => new URLSearchParams(sim.control.requests("listRuns").at(index)?.query ?? "");

describe("listRuns", () => {
  it("pages through every run, sending the returned continuation token", async () => {
    const before = sim.control.runIds().length;
    for (let index = 0; index < 120; index++) sim.control.createRun({ set: "Onboarding happy path", creator: `pager-${index}` });
    const { client } = testClient(sim);
    const runs = await collect(client.listRuns({ simulation_unit_test_set_id: [sim.control.sets()[2]?.id ?? ""] }));
    expect(runs.length).toBeGreaterThanOrEqual(120);
    expect(new Set(runs.map((run) => run.id)).size).toBe(runs.length);
    const tokens = sim.control.requests("listRuns").map((request) => new URLSearchParams(request.query).get("continuation_token"));
    expect(tokens).toEqual(["0", "50", "100"]);
    expect(sim.control.runIds().length).toBe(before + 120);
  });

  it("sends array filters as repeated keys, booleans as true/false and dates as ISO", async () => {
    const { client } = testClient(sim);
    const a = sim.control.createRun({ set: "Checkout flows", creator: "filter-a" });
    const b = sim.control.createRun({ set: "Checkout flows", creator: "filter-b" });
    await collect(
      client.listRuns({
        id: [a, b],
        is_completed: false,
        failed_metrics: false,
        errored: false,
        creator: [`${sim.orgId},filter-a`],
        created_after: new Date("2026-04-01T00:00:00Z"),
        created_before: "2026-04-02T00:00:00.000Z",
        sort_by: ["-created_at"],
        limit: 10,
      }),
    );
    const query = queryOf();
    expect(query.getAll("id")).toEqual([a, b]);
    expect(query.get("is_completed")).toBe("false");
    expect(query.get("errored")).toBe("false");
    expect(query.getAll("creator")).toEqual([`${sim.orgId},filter-a`]);
    expect(query.get("created_after")).toBe("2026-04-01T00:00:00.000Z");
    expect(query.get("sort_by")).toBe("-created_at");
    expect(query.get("limit")).toBe("10");
  });

  it("filters by id, set, creator, state and creation time (inclusive)", async () => {
    const { client } = testClient(sim);
    const at = new Date(sim.control.now().getTime() - 3_600_000);
    const old = sim.control.createRun({ set: "Billing disputes", creator: "time-user", createdAt: at, outcome: { durationMs: 1_000 } });
    const recent = sim.control.createRun({ set: "Billing disputes", creator: "time-user" });
    const byCreator = await collect(client.listRuns({ creator: [`${sim.orgId},time-user`] }));
    expect(byCreator.map((run) => run.id).sort()).toEqual([old, recent].sort());
    const exactlyAt = await collect(client.listRuns({ creator: [`${sim.orgId},time-user`], created_after: at, created_before: at }));
    expect(exactlyAt.map((run) => run.id)).toEqual([old]);
    const completed = await collect(client.listRuns({ creator: [`${sim.orgId},time-user`], is_completed: true }));
    expect(completed.map((run) => run.id)).toEqual([old]);
    const failed = await collect(client.listRuns({ creator: [`${sim.orgId},time-user`], failed_metrics: true }));
    expect(failed.map((run) => run.id)).toEqual([old]);
    const newestFirst = await collect(client.listRuns({ creator: [`${sim.orgId},time-user`], sort_by: ["-created_at"] }));
    expect(newestFirst.map((run) => run.id)).toEqual([recent, old]);
  });

  it("rejects a bad filter value with a readable 422", async () => {
    const { client } = testClient(sim);
    const error = await rejectionOf(collect(client.listRuns({ created_after: "yesterday", limit: 51 })));
    expect(error).toBeInstanceOf(InvalidRequest);
    expect(error.message).toContain("query.created_after: Input should be a valid datetime");
    expect(error.message).toContain("query.limit: Input should be less than or equal to 50");
  });
});

describe("getRuns", () => {
  it("fetches runs by id in batches of 50 and leaves unknown or malformed ids out", async () => {
    const ids = Array.from({ length: 120 }, (_, index) => sim.control.createRun({ set: "Refund edge cases", creator: `batch-${index}` }));
    const { client } = testClient(sim);
    const runs = await client.getRuns([...ids, "ffffffffffffffffffffffff", "not-an-id", ids[0] ?? ""]);
    expect(runs.map((run) => run.id).sort()).toEqual([...ids].sort());
    const batches = sim.control.requests("listRuns").map((request) => new URLSearchParams(request.query).getAll("id").length);
    expect(batches).toEqual([50, 50, 21]);
  });
});

describe("sets, unit tests and metric results", () => {
  it("lists every set across pages of 20 and finds a set by name case-insensitively", async () => {
    for (let index = 0; index < 23; index++) {
      sim.control.addSet({ name: `Generated set ${index}`, unitTests: [{ name: "One", criteria: [] }] });
    }
    const { client } = testClient(sim);
    const sets = await client.listSets();
    expect(sets.length).toBeGreaterThanOrEqual(27);
    expect(sim.control.requests("listSets").map((request) => new URLSearchParams(request.query).get("limit"))).toEqual(["20", "20"]);
    expect((await client.findSetsByName("  REFUND edge cases ")).map((set) => set.name)).toEqual(["Refund edge cases"]);
    expect(await client.findSetsByName("No such set")).toEqual([]);
    const [first, second] = sets;
    expect((await client.listSets([first?.id ?? "", second?.id ?? ""])).map((set) => set.id)).toEqual([first?.id, second?.id]);
  });

  it("lists unit tests by id with their success criteria", async () => {
    const { client } = testClient(sim);
    const [set] = await client.findSetsByName("Checkout flows");
    const tests = await client.listUnitTests(set?.unit_test_runs.map((entry) => entry.unit_test_id) ?? []);
    expect(tests.map((test) => test.name)).toEqual([
      "Guest checkout with a saved card",
      "Applies an expired coupon",
      "Changes shipping address mid-order",
    ]);
    expect(tests[0]?.success_criterions.map((criterion) => criterion.criterion.type)).toEqual(["boolean", "boolean", "numerical"]);
    expect(tests[1]?.success_criterions[1]?.criterion).toEqual({ type: "categorical", expected_values: ["friendly", "neutral"] });
  });

  it("lists a run's metric evaluation results, matching the run's result tuples", async () => {
    const runId = sim.control.createRun({ set: "Billing disputes", creator: "metrics-user", outcome: { durationMs: 1_000 } });
    sim.control.advance(1_000);
    const { client } = testClient(sim);
    const results = await client.listMetricResults(runId);
    const [run] = await client.getRuns([runId]);
    const tuples = run?.unit_test_run_results.flatMap((result) => result?.metric_evaluation_results.flatMap((metric) => metric.results) ?? []) ?? [];
    expect(results.map((result) => result.id).sort()).toEqual(tuples.map(([id]) => id).sort());
    expect(results.every((result) => result.source.type === "simulation")).toBe(true);
    const query = new URLSearchParams(sim.control.requests("listMetricResults")[0]?.query ?? "");
    expect(query.getAll("simulation_unit_test_set_run_id")).toEqual([runId]);
  });
});
