/**
 * What Amigo sees from one whole `simwatch poll` process (poll, archive and notify), with 120
 * runs of 12 sets starting, then finishing: calls grow with pages, never with runs (but for
 * one history listing per finished set and one metric-results call per failed run), and the
 * names travel with the events (the cards name their sets without a look-up per run).
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningSimulator, startSimulator } from "../../functions/local/simulator/index.js";
import { pollResult, simwatchEnv, startSimwatch, type Wiring } from "../support/simwatch-cli.js";
import { type SlackStub, startSlackStub } from "../support/slack-stub.js";
import { DEFAULT_RATE_LIMIT_SHARE } from "../../functions/amigo/client.js";
import { PUBLISHED_RATE_LIMITS } from "../../functions/amigo/endpoints.js";

/** Metric-result reads a minute the process's client allows itself (9 of Amigo's 10). */
const JUDGE_READS_PER_MINUTE = Math.floor(PUBLISHED_RATE_LIMITS.listMetricResults * DEFAULT_RATE_LIMIT_SHARE);

const CHANNEL = "C0BUDGETS";
const RUNS = 120;
const SETS = 12;
/**
 * Runs whose artifacts appear. Amigo allows 100 artifact links a minute and simwatch keeps to 90,
 * so links for all 120 would make the poll wait out a minute, by design; 40 keep this test quick.
 */
const WITH_ARTIFACTS = 40;
let sim: RunningSimulator;
let slack: SlackStub;
let dir = "";
let wiring: Wiring;

beforeAll(async () => {
  sim = await startSimulator({ rateLimits: false, defaultOutcome: { durationMs: 60 * 60_000, artifactsDelayMs: 1_000, artifactBytes: 4_096 } });
  slack = await startSlackStub();
  dir = await mkdtemp(join(tmpdir(), "simwatch-budgets-"));
  await mkdir(join(dir, "cwd"));
  wiring = { sim, slack, channel: CHANNEL, archiveDir: join(dir, "archive") };
  const criteria = [{ name: "Issue resolved", metric: "Task completion", criterion: { type: "boolean" as const, expected_value: true } }];
  for (let index = sim.control.sets().length; index < SETS; index++) {
    sim.control.addSet({ name: `Budget set ${index + 1}`, unitTests: [{ name: `Budget case ${index + 1}`, criteria }] });
  }
});
afterAll(async () => {
  await sim?.close();
  await slack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** One `simwatch poll` process to its end; what it asked Amigo for, by endpoint. */
async function poll(): Promise<Partial<Record<string, number>>> {
  sim.control.resetRequests();
  const child = startSimwatch(["poll"], { env: simwatchEnv(wiring), cwd: join(dir, "cwd") });
  const exit = await child.exit;
  const result = pollResult(child);
  expect(result?.ok, `simwatch poll: ${child.output()}`).toBe(true);
  expect(exit.code).toBe(0);
  const counts = { ...sim.control.requestCounts() };
  delete counts.download; // the artifact file itself, not an Amigo API call
  return counts;
}

const total = (counts: Partial<Record<string, number>>) => Object.values(counts).reduce((sum: number, n) => sum + (n ?? 0), 0);
const pages = (n: number) => Math.ceil(n / 50);

describe("one simwatch poll process", () => {
  it(`makes at most ceil(N/50) + 4 Amigo calls for ${RUNS} runs starting, and names each set on its card`, { timeout: 120_000 }, async () => {
    await poll();
    const sets = sim.control.sets();
    const runIds = Array.from({ length: RUNS }, (_, index) =>
      sim.control.createRun({ set: sets[index % SETS]!.id, ...(index < WITH_ARTIFACTS ? {} : { outcome: { artifactsDelayMs: null } }) }),
    );
    const counts = await poll();
    expect(total(counts), JSON.stringify(counts)).toBeLessThanOrEqual(pages(RUNS) + 4);
    expect(counts.listSets).toBe(1);
    const cards = slack.topLevel(CHANNEL);
    expect(cards).toHaveLength(RUNS);
    for (const runId of runIds.slice(0, 5)) {
      const card = cards.find((message) => JSON.stringify(message.blocks).includes(runId));
      const setName = sets.find((set) => set.id === sim.control.getRun(runId)?.simulation_unit_test_set_id)?.name ?? "";
      expect(card?.text).toContain(setName);
    }
  });

  it(`makes at most 2 x ceil(N/50) + 6 Amigo calls, plus one artifacts link per archived run, one history listing per set and one metric-results call per failed run, for ${RUNS} runs finishing`, { timeout: 180_000 }, async () => {
    sim.control.advance(2 * 60 * 60_000);
    const counts = await poll();
    const failed = sim.control.runIds().filter((runId) => sim.control.getRun(runId)?.failed_metrics).length;
    const { getArtifacts = 0, listMetricResults = 0, ...rest } = counts;
    expect(getArtifacts).toBe(WITH_ARTIFACTS);
    expect(failed).toBeGreaterThan(0);
    // One per failed run, within the 9 a minute the process's client allows itself (Amigo allows 10);
    // the rest are read by later polls, their cards saying the reasons follow.
    expect(listMetricResults).toBe(Math.min(failed, JUDGE_READS_PER_MINUTE));
    const history = sim.control.requests("listRuns").filter((request) => request.query.includes("simulation_unit_test_set_id") && /limit=10(&|$)/.test(request.query));
    expect(history).toHaveLength(SETS);
    expect(total(rest), JSON.stringify(counts)).toBeLessThanOrEqual(2 * pages(RUNS) + 6 + SETS);
    const updates = slack.calls.filter((call) => call.method === "chat.update").length;
    const posts = slack.calls.filter((call) => call.method === "chat.postMessage" && call.params.thread_ts === undefined).length;
    const whyReplies = slack.calls.filter((call) => call.method === "chat.postMessage" && call.params.thread_ts !== undefined).length;
    // Every card edited to its verdict, the archived ones again for their archive; nothing posted twice;
    // one Why it failed reply per failed run whose reasons were read (the others' come with their reasons).
    expect(posts).toBe(RUNS);
    expect(whyReplies).toBe(Math.min(failed, JUDGE_READS_PER_MINUTE));
    // (An archive and a verdict handled side by side may cost one more edit, never fewer.)
    expect(updates).toBeGreaterThanOrEqual(RUNS + WITH_ARTIFACTS);
    expect(updates).toBeLessThanOrEqual(RUNS + 2 * WITH_ARTIFACTS);
    console.log(`call budgets: ${RUNS} runs finishing: ${JSON.stringify(counts)}; Slack: ${posts} posts, ${updates} edits`);
  });
});
