/** RunSummary values for Slack rendering and notifier tests. */
import type { FailingUnitTest, RunSummary } from "../../functions/core/summary/summary-model.js";

export const RUN_ID = "65f000000000000000000001";
export const SET_ID = "65e000000000000000000001";

export function failing(name: string, i = 0): FailingUnitTest {
  return {
    unitTestId: `66${String(i).padStart(22, "0")}`,
    name,
    failingMetrics: [{ metricId: `m${i}`, criterionName: "Issue resolved", criterion: "is true", failedRuns: 2, evaluatedRuns: 3 }],
    runErrors: [],
  };
}

export function summary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    runId: RUN_ID,
    setId: SET_ID,
    setName: "Checkout flows",
    verdict: "failed",
    createdAt: "2026-04-01T12:00:00.000Z",
    finishedAt: "2026-04-01T12:03:05.000Z",
    durationSeconds: 185,
    creator: { org_id: "org", user_id: "svc" },
    unitTests: { passed: 2, total: 3 },
    metricEvaluations: { passed: 7, total: 9 },
    runErrors: [],
    failingUnitTests: [failing("Guest checkout with a saved card")],
    notes: [],
    ...overrides,
  };
}
