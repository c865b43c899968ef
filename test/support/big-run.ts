/**
 * The biggest run the Slack messages are tested and measured with: 500 failing unit tests x 2
 * metrics x 3 repetitions, each justification 10,000 characters (the poller keeps 600, but the
 * renderers must hold with full ones), long run errors, and names full of Slack markup.
 */
import type { FailingUnitTest, RunSummary } from "../../functions/core/summary/summary-model.js";
import { RUN_ID, SET_ID, summary } from "./summary-fixtures.js";

export interface BigRunOptions {
  failing?: number;
  justificationChars?: number;
  runErrorChars?: number;
}

/** Text of exactly `length` characters, made of sentences, with markup and entities in it. */
export function longText(length: number, seed = ""): string {
  const sentence = `The agent <@U0BOSS> read the *refund policy* & _apologised_ > twice ${seed}. `;
  return sentence.repeat(Math.ceil(length / sentence.length)).slice(0, length);
}

const MARKUP_NAME = "<!channel> *Refund* _after_ `chargeback` <https://evil.example|click> & @here";

function bigTest(i: number, options: Required<BigRunOptions>): FailingUnitTest {
  const metric = (kind: "csat" | "tone") => ({
    metricId: `m-${kind}-${i}`,
    criterionName: kind === "csat" ? `Customer satisfaction <!here> ${i}` : `Tone is *friendly* ${i}`,
    criterion: kind === "csat" ? ">= 4" : "is one of friendly, neutral",
    successCriterion: kind === "csat" ? { type: "numerical" as const, verb: ">=" as const, threshold: 4 } : { type: "categorical" as const, expected_values: ["friendly", "neutral"] },
    failedRuns: 3,
    evaluatedRuns: 3,
    reasons: [0, 1, 2].map((runIndex) => ({ evaluationId: `e-${kind}-${i}-${runIndex}`, runIndex, value: kind === "csat" ? 2 : "rude", justification: longText(options.justificationChars, `${i}.${runIndex}`) })),
  });
  return {
    unitTestId: `66${String(i).padStart(22, "0")}`,
    name: `${MARKUP_NAME} #${i}`,
    repetitions: 3,
    failingMetrics: [metric("csat"), metric("tone")],
    runErrors: [longText(options.runErrorChars, `error ${i}`), longText(options.runErrorChars, `again ${i}`)],
  };
}

export function bigRunSummary(options: BigRunOptions = {}): RunSummary {
  const all: Required<BigRunOptions> = { failing: 500, justificationChars: 10_000, runErrorChars: 5_000, ...options };
  const failingUnitTests = Array.from({ length: all.failing }, (_, i) => bigTest(i, all));
  const names = failingUnitTests.map((test) => test.name);
  return summary({
    runId: RUN_ID,
    setId: SET_ID,
    setName: `${MARKUP_NAME} ${longText(300)}`,
    unitTests: { passed: 100, total: 100 + all.failing },
    metricEvaluations: { passed: 200, total: 200 + all.failing * 6 },
    failingUnitTests,
    runErrors: failingUnitTests.flatMap((test) => test.runErrors.map((message) => ({ unitTestId: `other-${test.unitTestId}`, unitTestName: test.name, message }))),
    diff: { previousRunId: "65f0000000000000000000ff", newlyFailing: names.slice(0, 250), fixed: names.slice(250, 300), stillFailing: names.slice(300) },
    flaky: failingUnitTests.slice(0, 40).map((test) => ({ unitTestId: test.unitTestId, name: test.name, failing: true, withinRun: { failed: 2, repetitions: 3 } })),
    trend: { points: Array.from({ length: 10 }, (_, i) => ({ runId: `r${i}`, createdAt: "2026-04-01T12:00:00.000Z", passed: 100 + i, total: 600 })) },
    notes: [longText(4000, "note one"), longText(4000, "note two")],
  });
}
