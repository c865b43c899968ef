/**
 * `/sim status` with and without a set, and set names typed without quotes, from the command
 * text through the command worker, against the simulator and the Slack stand-in.
 */
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { MemoryStateStore } from "../support/memory-state-store.js";
import { parseCommand } from "../../functions/core/commands/commands.js";
import type { RunningSimulator } from "../../functions/local/simulator/index.js";
import { useSlackStub } from "../support/slack-stub.js";
import { startTestSimulator } from "../support/simulator.js";
import { testWorker } from "../support/test-worker.js";

const stub = useSlackStub();
let sim: RunningSimulator;
let state: MemoryStateStore;
let counter = 0;
const DAY = 86_400_000;

// A fresh simulator for each test: what `/sim status` shows depends on every run there is.
beforeEach(async () => {
  await sim?.close();
  sim = await startTestSimulator();
  state = new MemoryStateStore();
});
afterAll(async () => {
  await sim?.close();
});

/** Types `text` after /sim: parsed as Slack would send it, handled by the worker; returns the answer. */
async function type(text: string): Promise<string> {
  const parsed = parseCommand(text);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.error}`);
  const worker = testWorker({ sim, slack: stub, state });
  counter++;
  await worker.handle({ command: parsed.command, text, userId: "U0ALICE", channelId: "C0TEAM", responseUrl: stub.responseUrl(`r${counter}`), requestId: `status-${counter}` });
  const answer = stub.responses.at(-1)?.body;
  return `${answer?.text ?? ""}\n${JSON.stringify(answer?.blocks ?? [])}`;
}

/** A run of `set` created `daysAgo` days back (finished by now unless `running`). */
function runOf(set: string, daysAgo: number, outcome: Parameters<RunningSimulator["control"]["createRun"]>[0]["outcome"] = {}): string {
  return sim.control.createRun({ set, createdAt: new Date(sim.control.now().getTime() - daysAgo * DAY), outcome: { durationMs: 10_000, ...outcome } });
}

describe("/sim status", () => {
  it("shows a set's last finished runs as verdicts with ids, its sparkline, its flaky tests and what is running now", async () => {
    const ids = [runOf("Checkout flows", 3), runOf("Checkout flows", 2, { failing: [{ unitTest: "Guest checkout with a saved card" }] }), runOf("Checkout flows", 1)];
    const running = sim.control.createRun({ set: "Checkout flows", outcome: { durationMs: 3_600_000 } });
    const answer = await type("status checkout FLOWS");
    expect(answer).toContain("Checkout flows: the last 3 finished runs, oldest first");
    expect(answer).toContain(`:white_check_mark: \`${ids[0]}\`  :x: \`${ids[1]}\`  :white_check_mark: \`${ids[2]}\``);
    expect(answer).toContain("Unit tests passed: █▆█  3 of 3, up from 2 of 3");
    expect(answer).toContain("Flaky: *Guest checkout with a saved card* (outcome changed 2 times in 3 runs)");
    expect(answer).toContain(`Running now: :hourglass_flowing_sand: \`${running}\`, started <!date^`);
  });

  it("lists each set that ran in the last 7 days, newest first, with its latest verdict, sparkline and when", async () => {
    runOf("Onboarding happy path", 9);
    runOf("Checkout flows", 3);
    runOf("Billing disputes", 2);
    runOf("Billing disputes", 1);
    const answer = await type("status");
    expect(answer).toContain("Sets that ran in the last 7 days, newest first");
    expect(answer).not.toContain("Onboarding happy path");
    const billing = answer.indexOf("*Billing disputes*");
    const checkout = answer.indexOf("*Checkout flows*");
    expect(billing).toBeGreaterThan(-1);
    expect(checkout).toBeGreaterThan(billing);
    expect(answer).toMatch(/:x: \*Billing disputes\*  [▁▂▃▄▅▆▇█]{2}  latest failed, started <!date\^\d+\^\{date_short_pretty\} \{time\}\|/);
    expect(answer).toMatch(/:white_check_mark: \*Checkout flows\*  █  latest passed/);
  });

  it("says so when no set ran in the last 7 days", async () => {
    runOf("Checkout flows", 8);
    expect(await type("status")).toContain("No set ran in the last 7 days.");
  });
});

describe("set names as people type them", () => {
  it("takes a multi-word set name unquoted for every verb that names a set", async () => {
    runOf("Checkout flows", 1, { failing: [{ unitTest: "Applies an expired coupon" }] });
    expect(await type("run Checkout flows")).toContain("Started run");
    expect(await type("status Checkout flows")).toContain("Checkout flows: the last 1 finished run");
    expect(await type("list Checkout flows --failed")).toContain("Latest failed runs of Checkout flows");
    expect(await type("subscribe Checkout flows --failures-only")).toContain("failed and errored runs");
    expect(await type("unsubscribe Checkout flows")).toContain("no longer hears about");
    expect(await type('run "Billing disputes"')).toContain("Started run");
  });

  it("runs a set whose name contains -- when it is quoted", async () => {
    sim.control.addSet({ name: "Nightly -- full", unitTests: [{ name: "Greets", criteria: [{ name: "Resolved", metric: "Task completion", criterion: { type: "boolean", expected_value: true } }] }] });
    expect(await type('run "Nightly -- full"')).toContain("Started run");
    expect(parseCommand("run Nightly -- full").ok).toBe(false);
  });
});
