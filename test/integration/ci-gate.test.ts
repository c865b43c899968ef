/**
 * The CI gate (`simwatch run ... --wait`, `simwatch wait ...`) in process, wired as the CLI
 * wires it (localServices from a configuration) against the simulator on loopback, with the
 * simulator's clock as the gate's: each wait between looks moves simulator time on.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../functions/core/config.js";
import { silentLogger } from "../../functions/core/log.js";
import { type GateArgs, gateArgs } from "../../functions/local/ci-gate-args.js";
import { parseCommandLine } from "../../functions/local/cli-args.js";
import { runGate } from "../../functions/local/ci-gate.js";
import { localServices } from "../../functions/local/local-services.js";
import { junitSchemaErrors, suitesOf } from "../support/junit.js";
import { useSlackStub } from "../support/slack-stub.js";
import { useTempFolders } from "../support/temp-folders.js";
import { useSimulator } from "../support/simulator.js";

// The CLI's Amigo client keeps real time: the simulator starts at the real time, with tokens
// that outlive the simulated hours these tests move through.
const sim = useSimulator({ startTime: new Date(), tokenLifetimeMs: 7 * 24 * 60 * 60_000 });
const slack = useSlackStub();
const freshFolder = useTempFolders("simwatch-gate-");
let dir: string;
beforeEach(async () => {
  dir = await freshFolder();
  sim.control.advance(2 * 60 * 60_000); // every earlier run has finished
});

/** The gate's arguments as the CLI reads them. */
function args(mode: "run" | "wait", argv: string[]): GateArgs {
  const line = parseCommandLine(mode, argv);
  if (!line.ok) throw new Error(line.error);
  const parsed = gateArgs(mode, line.values, line.words);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.args;
}

async function gate(mode: "run" | "wait", argv: string[], options: { slack?: boolean } = {}) {
  const config = parseConfig({
    AMIGO_API_URL: sim.url,
    AMIGO_ORG_ID: sim.orgId,
    AMIGO_API_KEY: sim.credentials.apiKey,
    AMIGO_API_KEY_ID: sim.credentials.apiKeyId,
    AMIGO_USER_ID: sim.credentials.userId,
    ARCHIVE_DIR: dir,
    ...(options.slack ? { SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl, SLACK_DEFAULT_CHANNEL: "C0CI" } : {}),
  });
  const services = await localServices(config, { logger: silentLogger, write: () => {} });
  const said: string[] = [];
  const printed: string[] = [];
  try {
    const code = await runGate(args(mode, argv), {
      services,
      userId: "ci",
      ...(options.slack ? { announceIn: "C0CI" } : {}),
      say: (line) => said.push(line),
      print: (line) => printed.push(line),
      now: () => sim.control.now().getTime(),
      sleep: async (ms) => sim.control.advance(ms),
    });
    return { code, said: said.join("\n"), json: printed.map((line) => JSON.parse(line) as Record<string, unknown>) };
  } finally {
    await services.close();
  }
}

const junit = () => join(dir, "report.xml");
const runsOf = (setName: string) => sim.control.runIds().filter((id) => sim.control.getRun(id)?.simulation_unit_test_set_id === sim.control.sets().find((s) => s.name === setName)?.id);

describe("simwatch run <set>... --wait", () => {
  it("exits 0 when the run passed, printing its progress and summary, with a valid JUnit report", async () => {
    const { code, said } = await gate("run", ["Onboarding happy path", "--wait", "--junit", junit()]);
    expect(code).toBe(0);
    expect(said).toMatch(/Started run [0-9a-f]{24} of Onboarding happy path\./);
    expect(said).toMatch(/… Onboarding happy path [0-9a-f]{24}: \d of 2 unit tests done/);
    expect(said).toContain("# Onboarding happy path: passed");
    expect(said).toContain("Every run passed.");
    const xml = await readFile(junit(), "utf8");
    expect(await junitSchemaErrors(xml)).toEqual([]);
    expect(suitesOf(xml)).toEqual([expect.objectContaining({ testcases: 2, failures: 0, errors: 0, skipped: 0 })]);
  });

  it("exits 1 when a run failed or errored; the report's failures and errors match the summaries", async () => {
    const { code, json } = await gate("run", ["Billing disputes", "Refund edge cases", "--wait", "--json", "--junit", junit()]);
    expect(code).toBe(1);
    // One line per run as it finishes (the errored one stops early).
    expect(json.map((line) => [line.set, line.verdict]).sort()).toEqual([
      ["Billing disputes", "failed"],
      ["Refund edge cases", "errored"],
    ]);
    const xml = await readFile(junit(), "utf8");
    expect(await junitSchemaErrors(xml)).toEqual([]);
    const [billing, refunds] = suitesOf(xml);
    const billingJson = json.find((line) => line.set === "Billing disputes") as { id: string; counts: { unitTests: { passed: number; total: number } }; failingUnitTests: unknown[] };
    expect(billing!.name).toBe(`Billing disputes (run ${billingJson.id})`);
    expect(billing!.testcases).toBe(billingJson.counts.unitTests.total);
    expect(billing!.failures + billing!.errors).toBe(billingJson.failingUnitTests.length);
    // The metric, its criterion, how often it failed, and what the judge gave and why.
    const csat = billing!.messages.find((m) => m.startsWith("Customer satisfaction at least 4 (metric "));
    expect(csat).toMatch(/criterion >= 4, failed 2 of 2 runs; repetition 1 of 2: scored \d(\.\d+)?, needs >= 4\. Judge: \S/);
    expect(refunds!.errors).toBeGreaterThanOrEqual(1);
    expect(refunds!.messages).toContain("Simulation aborted: persona service timed out after 3 retries");
  });

  it("exits 2 for a set that does not exist, and starts no run at all", async () => {
    const before = sim.control.runIds().length;
    const { code, said } = await gate("run", ["Onboarding happy path", "No such set", "--wait"]);
    expect(code).toBe(2);
    expect(said).toContain("There is no set named “No such set”");
    expect(sim.control.runIds().length).toBe(before);
  });

  it("exits 3 when time runs out, leaving the run running, and reports it in the JUnit file", async () => {
    sim.control.setOutcome("Checkout flows", { durationMs: 3 * 60 * 60_000 });
    const { code, said, json } = await gate("run", ["Checkout flows", "--wait", "--timeout", "10m", "--json", "--junit", junit()]);
    expect(code).toBe(3);
    expect(said).toContain("is still running and is left running");
    expect(json).toEqual([expect.objectContaining({ set: "Checkout flows", verdict: "timed_out" })]);
    const [runId] = runsOf("Checkout flows").slice(-1);
    expect(sim.control.getRun(runId!)?.is_completed).toBe(false);
    const xml = await readFile(junit(), "utf8");
    expect(await junitSchemaErrors(xml)).toEqual([]);
    expect(suitesOf(xml)[0]!.messages[0]).toContain("still running when the gate's time ran out");
    sim.control.cancelRun(runId!);
  });

  it("cancels the runs at the timeout with --cancel-on-timeout", async () => {
    sim.control.setOutcome("Checkout flows", { durationMs: 3 * 60 * 60_000 });
    const { code, said } = await gate("run", ["Checkout flows", "--wait", "--timeout", "5m", "--cancel-on-timeout"]);
    expect(code).toBe(3);
    const [runId] = runsOf("Checkout flows").slice(-1);
    expect(said).toContain(`Time ran out: Checkout flows ${runId}`);
    expect(sim.control.getRun(runId!)?.is_completed).toBe(true);
    sim.control.setOutcome("Checkout flows", { durationMs: 20_000 });
  });

  it("looks at its own runs only, by id, backing off between looks", async () => {
    sim.control.setOutcome("Onboarding happy path", { durationMs: 10 * 60_000 });
    await gate("run", ["Onboarding happy path", "--wait"]);
    const listings = sim.control.requests("listRuns");
    const looks = listings.filter((request) => new URLSearchParams(request.query).getAll("id").length > 0);
    expect(looks.length).toBeGreaterThan(3);
    // Ten minutes in looks 2 s apart would be 300; backing off to 30 s it is a few dozen.
    expect(looks.length).toBeLessThan(40);
    // Besides its own runs by id, only the set's recent history, once, for the summary's trend.
    const others = listings.filter((request) => !looks.includes(request));
    expect(others.length).toBeLessThanOrEqual(1);
    for (const other of others) expect(new URLSearchParams(other.query).get("is_completed")).toBe("true");
    sim.control.setOutcome("Onboarding happy path", { durationMs: 20_000 });
  });

  it("announces the runs in Slack like /sim run when Slack is configured, and brings the message to its verdict", async () => {
    const { code } = await gate("run", ["Billing disputes", "--wait"], { slack: true });
    expect(code).toBe(1);
    const [message] = slack.topLevel("C0CI");
    expect(slack.topLevel("C0CI")).toHaveLength(1);
    expect(message!.history[0]!.text).toContain("Billing disputes: running");
    expect(message!.text).toContain("Billing disputes: failed");
  });
});

describe("simwatch wait <run>...", () => {
  it("waits for runs already started and exits by their verdicts", async () => {
    const passing = sim.control.createRun({ set: "Onboarding happy path" });
    const failing = sim.control.createRun({ set: "Billing disputes" });
    expect((await gate("wait", [passing])).code).toBe(0);
    const both = await gate("wait", [passing, failing, "--json"]);
    expect(both.code).toBe(1);
    expect(both.json.map((line) => [line.id, line.verdict])).toEqual([
      [passing, "passed"],
      [failing, "failed"],
    ]);
  });

  it("exits 2 for a run Amigo does not know", async () => {
    const { code, said } = await gate("wait", ["0123456789abcdef01234567"]);
    expect(code).toBe(2);
    expect(said).toContain("Amigo does not know the run 0123456789abcdef01234567");
  });
});
