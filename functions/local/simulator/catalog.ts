/**
 * Sets, unit tests and metrics: the simulator's catalog, stored in the API's own shapes
 * so listing them is a filter and a slice.
 */
import type { SuccessCriterion, UnitTest, UnitTestSet, UserInfo } from "../../core/model/amigo-model.js";
import type { ObjectIdFactory } from "./object-ids.js";
import type { RunOutcome } from "./outcome.js";

export interface Metric {
  id: string;
  name: string;
  version: number;
}

export interface NewCriterion {
  /** Success criterion name, e.g. "Customer is satisfied". */
  name: string;
  /** Metric name; a metric of that name is created on first use. */
  metric: string;
  criterion: SuccessCriterion;
}

export interface NewUnitTest {
  name: string;
  description?: string;
  runCount?: number;
  maxInteractions?: number;
  criteria: readonly NewCriterion[];
  tags?: readonly { key: string; value: string | null }[];
}

export interface NewSet {
  name: string;
  description?: string | null;
  tags?: readonly { key: string; value: string | null }[];
  unitTests: readonly NewUnitTest[];
  /** How runs of this set turn out (merged over the simulator's default). */
  outcome?: Partial<RunOutcome>;
}

export class Catalog {
  readonly metrics = new Map<string, Metric>();
  readonly sets = new Map<string, UnitTestSet>();
  readonly unitTests = new Map<string, UnitTest>();
  /** Unit test -> how many times a run of its set runs it. */
  readonly runCounts = new Map<string, number>();

  constructor(
    private readonly orgId: string,
    private readonly ids: ObjectIdFactory,
  ) {}

  addSet(spec: NewSet, atMs: number, creator: UserInfo): UnitTestSet {
    const at = new Date(atMs).toISOString();
    const unitTestRuns = spec.unitTests.map((test) => {
      const unitTest = this.addUnitTest(test, atMs, creator);
      return { unit_test_id: unitTest.id, run_count: test.runCount ?? 2 };
    });
    const set: UnitTestSet = {
      id: this.ids.next(atMs),
      org_id: this.orgId,
      created_at: at,
      updated_at: at,
      name: spec.name,
      description: spec.description ?? null,
      unit_test_runs: unitTestRuns,
      last_triggered_run_id: null,
      is_deleted: false,
      tags: (spec.tags ?? []).map((tag) => ({ ...tag })),
      creator,
      updated_by: creator,
    };
    this.sets.set(set.id, set);
    return set;
  }

  /** A set by id, or by name (case-insensitive) for the control API's convenience. */
  findSet(idOrName: string): UnitTestSet | undefined {
    const byId = this.sets.get(idOrName);
    if (byId !== undefined) return byId;
    const wanted = idOrName.toLowerCase();
    return [...this.sets.values()].find((set) => set.name.toLowerCase() === wanted);
  }

  metricByName(name: string, atMs: number): Metric {
    const existing = [...this.metrics.values()].find((metric) => metric.name === name);
    if (existing !== undefined) return existing;
    const metric = { id: this.ids.next(atMs), name, version: 1 };
    this.metrics.set(metric.id, metric);
    return metric;
  }

  private addUnitTest(spec: NewUnitTest, atMs: number, creator: UserInfo): UnitTest {
    const at = new Date(atMs).toISOString();
    const id = this.ids.next(atMs);
    const unitTest: UnitTest = {
      id,
      org_id: this.orgId,
      created_at: at,
      updated_at: at,
      name: spec.name,
      description: spec.description ?? `Simulated conversation: ${spec.name}`,
      service_id: this.ids.next(atMs),
      service_version_set_name: "release",
      persona_id: this.ids.next(atMs),
      scenario_id: this.ids.next(atMs),
      max_interactions: spec.maxInteractions ?? 12,
      success_criterions: spec.criteria.map((criterion) => ({
        name: criterion.name,
        metric_id: this.metricByName(criterion.metric, atMs).id,
        criterion: criterion.criterion,
      })),
      is_deleted: false,
      tags: (spec.tags ?? []).map((tag) => ({ ...tag })),
      creator,
      updated_by: creator,
    };
    this.unitTests.set(id, unitTest);
    this.runCounts.set(id, spec.runCount ?? 2);
    return unitTest;
  }
}
