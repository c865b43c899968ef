/**
 * One malformed record in a list answer is skipped, with a warning naming it, and the
 * others go on; a broken page still fails the call. Against the simulator, whose fault
 * breaks records of a real answer.
 */
import { describe, expect, it } from "vitest";
import { AmigoResponseError } from "../../functions/core/model/amigo-errors.js";
import { collect, rejectionOf, testClient, useSimulator } from "../support/simulator.js";

const sim = useSimulator();

/** Runs of a creator of their own, in the order listRuns answers them. */
async function runsOf(creator: string, count: number): Promise<string[]> {
  for (let index = 0; index < count; index++) sim.control.createRun({ set: "Checkout flows", creator });
  const runs = await collect(testClient(sim).client.listRuns({ creator: [`${sim.orgId},${creator}`] }));
  return runs.map((run) => run.id);
}

const skipped = (logs: { event: string }[]) => logs.filter((entry) => entry.event === "amigo.record_skipped");

describe("a malformed record among good ones", () => {
  it("listRuns yields the other runs and warns about a run missing created_at and one with a non-string id", async () => {
    const ids = await runsOf("malformed-runs", 4);
    sim.control.faults.corruptNext("listRuns", { records: [{ index: 1, drop: ["created_at"] }, { index: 3, set: { id: 42 } }] });
    const { client, logs } = testClient(sim);
    const runs = await collect(client.listRuns({ creator: [`${sim.orgId},malformed-runs`] }));
    expect(runs.map((run) => run.id)).toEqual([ids[0], ids[2]]);
    expect(skipped(logs)).toEqual([
      expect.objectContaining({ level: "warn", endpoint: "listRuns", index: 1, id: ids[1], fieldPaths: ["created_at"] }),
      expect.objectContaining({ level: "warn", endpoint: "listRuns", index: 3, fieldPaths: ["id"] }),
    ]);
    expect(skipped(logs)[1]).not.toHaveProperty("id");
  });

  it("goes on to the next page after skipping a record", async () => {
    const ids = await runsOf("malformed-pages", 3);
    sim.control.faults.corruptNext("listRuns", { records: [{ index: 0, drop: ["creator.user_id"] }] });
    const { client, logs } = testClient(sim);
    const runs = await collect(client.listRuns({ creator: [`${sim.orgId},malformed-pages`], limit: 2 }));
    expect(runs.map((run) => run.id)).toEqual(ids.slice(1));
    expect(skipped(logs)).toEqual([expect.objectContaining({ index: 0, id: ids[0], fieldPaths: ["creator.user_id"], continuationToken: 0 })]);
  });

  it("getRuns returns the runs that are well formed", async () => {
    const ids = await runsOf("malformed-get", 3);
    sim.control.faults.corruptNext("listRuns", { records: [{ index: 2, set: { is_completed: "yes" } }] });
    const { client, logs } = testClient(sim);
    const runs = await client.getRuns(ids);
    expect(runs.map((run) => run.id)).toEqual(ids.slice(0, 2));
    expect(skipped(logs)).toEqual([expect.objectContaining({ index: 2, id: ids[2], fieldPaths: ["is_completed"] })]);
  });

  it("listSets, listUnitTests and listMetricResults skip the broken record only", async () => {
    const { client, logs } = testClient(sim);
    const sets = await client.listSets();
    const unitTestIds = sets.flatMap((set) => set.unit_test_runs.map((entry) => entry.unit_test_id));
    const runId = sim.control.createRun({ set: "Checkout flows", creator: "malformed-metrics", outcome: { durationMs: 1_000 } });
    sim.control.advance(60_000);
    const results = await client.listMetricResults(runId);
    const tests = await client.listUnitTests(unitTestIds);
    expect(results.length).toBeGreaterThan(1);

    sim.control.faults.corruptNext("listSets", { records: [{ index: 0, drop: ["name"] }] });
    sim.control.faults.corruptNext("listUnitTests", { records: [{ index: 0, set: { success_criterions: "none" } }] });
    sim.control.faults.corruptNext("listMetricResults", { records: [{ index: 0, drop: ["source"] }] });
    expect((await client.listSets()).map((set) => set.id)).toEqual(sets.slice(1).map((set) => set.id));
    expect((await client.listUnitTests(unitTestIds)).map((test) => test.id)).toEqual(tests.slice(1).map((test) => test.id));
    expect((await client.listMetricResults(runId)).map((result) => result.id)).toEqual(results.slice(1).map((result) => result.id));
    expect(skipped(logs)).toEqual([
      expect.objectContaining({ endpoint: "listSets", index: 0, id: sets[0]?.id, fieldPaths: ["name"] }),
      expect.objectContaining({ endpoint: "listUnitTests", index: 0, id: tests[0]?.id, fieldPaths: ["success_criterions"] }),
      expect.objectContaining({ endpoint: "listMetricResults", index: 0, id: results[0]?.id, fieldPaths: ["source"] }),
    ]);
  });

  it("never puts a credential into the warning", async () => {
    await runsOf("malformed-secret", 1);
    sim.control.faults.corruptNext("listRuns", { records: [{ index: 0, set: { id: sim.credentials.apiKey, created_at: null } }] });
    const { client, logs } = testClient(sim);
    expect(await collect(client.listRuns({ creator: [`${sim.orgId},malformed-secret`] }))).toEqual([]);
    const text = JSON.stringify(skipped(logs));
    expect(text).toContain("created_at");
    expect(text).not.toContain(sim.credentials.apiKey);
  });
});

describe("a broken page", () => {
  it("fails the call when the array is not an array", async () => {
    await runsOf("broken-array", 1);
    sim.control.faults.corruptNext("listRuns", { envelope: { set: { simulation_unit_test_set_runs: { not: "a list" } } } });
    const error = await rejectionOf(collect(testClient(sim).client.listRuns({ creator: [`${sim.orgId},broken-array`] })));
    expect(error).toBeInstanceOf(AmigoResponseError);
    expect((error as AmigoResponseError).fieldPaths).toEqual(["simulation_unit_test_set_runs"]);
  });

  it("fails the call when continuation_token is not a number", async () => {
    sim.control.faults.corruptNext("listSets", { envelope: { set: { continuation_token: "next" } } });
    const error = await rejectionOf(testClient(sim).client.listSets());
    expect(error).toBeInstanceOf(AmigoResponseError);
    expect(error.message).toContain("GET /v1/{org}/simulation/unit_test_set/");
    expect((error as AmigoResponseError).fieldPaths).toEqual(["continuation_token"]);
  });
});
