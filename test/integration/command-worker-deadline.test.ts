/**
 * The command worker as Lambda runs it: each container a process with its own Amigo client
 * holding the command worker's share of Amigo's limits, each delivery with the function's real
 * 60 s timeout, the simulator enforcing Amigo's published per-minute limits (429 with
 * Retry-After), and a redelivery a minute (then two) after a delivery that asked for one, as
 * Lambda retries. No delivery waits on a limit past its deadline, and the worker's requests stay
 * within its budget (docs/amigo-budgets.md) in every sliding minute.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileSystemStateStore } from "../../functions/archive/fs-state-store.js";
import { PUBLISHED_RATE_LIMITS, type AmigoEndpoint } from "../../functions/amigo/endpoints.js";
import { accessPolicy } from "../../functions/core/commands/access.js";
import { COMMAND_SAVE_MARGIN_MS, CommandRetryLater, createCommandWorker } from "../../functions/core/commands/command-worker.js";
import { parseConfig } from "../../functions/core/config.js";
import type { AcceptedCommand, CommandAcceptedDetail } from "../../functions/core/events.js";
import type { Logger } from "../../functions/core/log.js";
import { REASONS_DEFERRED } from "../../functions/core/summary/judge-reasons.js";
import { AMIGO_RATE_SHARES } from "../../functions/handlers/lambda-services.js";
import { SlackChat } from "../../functions/slack/client.js";
import { useSlackStub } from "../support/slack-stub.js";
import { testClient, useSimulator } from "../support/simulator.js";

/** infra/simwatch-stack.ts: the CommandWorker function's timeout. */
const LAMBDA_TIMEOUT_MS = 60_000;
const SHARE = AMIGO_RATE_SHARES["command-worker"];
const sim = useSimulator({ tokenLifetimeMs: 60 * 60_000 });
const stub = useSlackStub();
let root: string;
let state: FileSystemStateStore;
let counter = 0;
const warnings: { event: string; fields: Record<string, unknown> }[] = [];
const log: Logger = { info: () => {}, warn: (event, fields = {}) => void warnings.push({ event, fields }), error: () => {} };

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "simwatch-command-deadline-"));
  state = new FileSystemStateStore({ root });
  warnings.length = 0;
  sent = [];
  requeued = [];
  sim.control.setRateLimits(true);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Each container's requests to Amigo: endpoint and time on Amigo's clock. */
let sent: { endpoint: string; at: number }[][] = [];

/** Commands a worker put on the bus again (Command Accepted), oldest first. */
let requeued: CommandAcceptedDetail[] = [];

/** A Lambda container: one Amigo client with the worker's share (a sleep moves the simulator's clock), one worker. */
function container() {
  const mine: { endpoint: string; at: number }[] = [];
  sent.push(mine);
  const { client } = testClient(sim, {
    rateLimitShare: SHARE,
    sleep: async (ms) => void sim.control.advance(ms),
    retry: { maxRetryAfterMs: 120_000 },
    onRequest: (info) => void mine.push({ endpoint: info.endpoint, at: sim.control.now().getTime() }),
  });
  const worker = createCommandWorker({
    amigo: client,
    state,
    chat: new SlackChat({ token: stub.token, apiUrl: stub.apiUrl, timeoutMs: 2000 }),
    clock: sim.control.clock,
    log,
    access: accessPolicy(parseConfig({ SLACK_API_URL: stub.apiUrl })),
    amigoUser: { org_id: sim.orgId, user_id: sim.credentials.userId },
    waitForPostMs: 0,
    sleep: async (ms) => void sim.control.advance(ms),
    requeue: async (detail) => void requeued.push(detail),
  });
  /** One delivery with the function's whole timeout; it must end before its deadline on Amigo's clock. */
  async function deliver(detail: CommandAcceptedDetail) {
    const started = sim.control.now().getTime();
    try {
      return await worker.handle(detail, { remainingMs: LAMBDA_TIMEOUT_MS, claimTtlMs: LAMBDA_TIMEOUT_MS + 10_000 });
    } finally {
      expect(sim.control.now().getTime() - started).toBeLessThanOrEqual(LAMBDA_TIMEOUT_MS - COMMAND_SAVE_MARGIN_MS);
    }
  }
  return { deliver };
}

function accepted(command: AcceptedCommand, text: string, extra: Partial<CommandAcceptedDetail> = {}): CommandAcceptedDetail {
  counter += 1;
  return {
    command,
    text,
    userId: "U0ALICE",
    channelId: "C0TEAM",
    responseUrl: stub.responseUrl(`deadline-${counter}`),
    requestId: `deadline-${counter}`,
    acceptedAt: sim.control.now().toISOString(),
    ...extra,
  };
}

const answers = () => stub.responses.map((response) => `${response.body.text ?? ""}\n${JSON.stringify(response.body.blocks ?? [])}`);

/** Nothing refused by Amigo, and each container's busiest sliding minute per endpoint within the worker's budget. */
function expectWithinBudget() {
  expect(sim.control.requests().filter((request) => request.status === 429)).toEqual([]);
  for (const requests of sent) {
    const byEndpoint = new Map<string, number[]>();
    for (const { endpoint, at } of requests) byEndpoint.set(endpoint, [...(byEndpoint.get(endpoint) ?? []), at]);
    for (const [endpoint, times] of byEndpoint) {
      const budget = Math.max(1, Math.floor(PUBLISHED_RATE_LIMITS[endpoint as AmigoEndpoint] * SHARE));
      const busiest = Math.max(...times.map((start) => times.filter((at) => at >= start && at < start + 60_000).length));
      expect({ endpoint, busiest: Math.min(busiest, budget) }).toEqual({ endpoint, busiest });
    }
  }
}

function addSets(total: number) {
  const have = sim.control.sets().length;
  for (let index = have; index < total; index++) {
    sim.control.addSet({ name: `Regression suite ${String(index).padStart(3, "0")}`, unitTests: [{ name: `Case ${index}`, criteria: [{ name: "Resolved", metric: "Resolution", criterion: { type: "boolean", expected_value: true } }] }] });
  }
  sim.control.addSet({ name: "Nightly regression", unitTests: [{ name: "Nightly case", criteria: [{ name: "Resolved", metric: "Resolution", criterion: { type: "boolean", expected_value: true } }] }] });
}

describe("the command worker within its Lambda's deadline, Amigo's limits enforced", () => {
  it("finds a mistyped name among 300 sets: still looking within the first deadline, the closest names in a follow-up, and at once from then on", { timeout: 60_000 }, async () => {
    addSets(299); // 300 with "Nightly regression": 15 pages of Amigo's set list, three minutes of the worker's budget
    const detail = accepted({ verb: "run", set: "Nightly regresion" }, "/sim run Nightly regresion");
    const cold = container();
    await expect(cold.deliver(detail)).rejects.toBeInstanceOf(CommandRetryLater);
    expect(answers()).toHaveLength(1);
    expect(answers()[0]).toContain("Still looking");
    expect(answers()[0]).toContain("read 100 sets");

    // Lambda's retries: a minute later in a fresh container, then two minutes later in the same one.
    sim.control.advance(60_000);
    const next = container();
    await expect(next.deliver(detail)).rejects.toBeInstanceOf(CommandRetryLater);
    expect(answers()).toHaveLength(1);
    sim.control.advance(120_000);
    const done = await next.deliver(detail);
    expect(done.status).toBe("done");
    expect(answers().at(-1)).toContain("There is no set named “Nightly regresion”");
    expect(answers().at(-1)).toContain("Closest names: *Nightly regression*");
    expect(sim.control.requests("createRun")).toHaveLength(0);

    // The list is in state now: another mistyped name (in the other container, whose minute has room) answers in
    // one delivery, reading only the list's last page again.
    const pagesBefore = sim.control.requests("listSets").length;
    const again = await cold.deliver(accepted({ verb: "status", target: "nightly regresson" }, "/sim status nightly regresson"));
    expect(again.status).toBe("done");
    expect(answers().at(-1)).toContain("Closest names: *Nightly regression*");
    expect(sim.control.requests("listSets")).toHaveLength(pagesBefore + 1);

    // Minutes later the list is read again for a name it lacks; what does not fit is answered from the list as it was.
    sim.control.advance(5 * 60_000);
    const later = await container().deliver(accepted({ verb: "list", set: "Nightly regressio", failedOnly: false }, "/sim list Nightly regressio"));
    expect(later.status).toBe("done");
    expect(answers().at(-1)).toContain("Closest names: *Nightly regression*");
    expect(answers().at(-1)).toContain("may not show yet");
    expectWithinBudget();
  });

  it("goes on in a new event when the set list needs more deliveries than Lambda makes (400 sets), each waiting out the limit first", { timeout: 60_000 }, async () => {
    addSets(399); // 400 with "Nightly regression": 20 pages, four minutes of the worker's budget
    const detail = accepted({ verb: "status", target: "Regression suite 398" }, "/sim status Regression suite 398");
    const lambda = container();
    await expect(lambda.deliver(detail)).rejects.toBeInstanceOf(CommandRetryLater);
    sim.control.advance(60_000);
    await expect(lambda.deliver(detail)).rejects.toBeInstanceOf(CommandRetryLater);
    sim.control.advance(120_000);
    // The last of Lambda's deliveries: 15 pages read, 5 to go. It waits what its time allows and hands on.
    expect(await lambda.deliver(detail)).toEqual({ status: "requeued" });
    expect(requeued).toEqual([detail]);
    const done = await lambda.deliver(requeued[0]!);
    expect(done.status).toBe("done");
    expect(answers()).toHaveLength(2);
    expect(answers()[0]).toContain("Still looking");
    expect(answers()[1]).toContain("Regression suite 398");
    expect(answers()[1]).not.toContain("There is no set");
    expectWithinBudget();
  });

  it("answers /sim status of a failing run with more than 500 results within one delivery, reasons it could not read said to be missing", { timeout: 60_000 }, async () => {
    const criteria = [{ name: "Resolved", metric: "Resolution", criterion: { type: "boolean" as const, expected_value: true } }];
    const tests = Array.from({ length: 300 }, (_, index) => ({ name: `Big case ${index + 1}`, runCount: 2, criteria }));
    const set = sim.control.addSet({ name: "Big failing set", unitTests: tests, outcome: { durationMs: 1_000, failing: tests.map((test) => ({ unitTest: test.name })) } });
    const runId = sim.control.createRun({ set: set.id });
    sim.control.advance(5_000);
    sim.control.resetRequests();

    const outcome = await container().deliver(accepted({ verb: "status", target: runId }, `/sim status ${runId}`));
    expect(outcome.status).toBe("done");
    const card = answers().at(-1) ?? "";
    expect(card).toContain(runId);
    expect(card).toContain("failed");
    expect(card).toContain(REASONS_DEFERRED.slice(0, 40));
    // One page of results (Amigo allows the worker one a minute), the rest never waited for.
    expect(sim.control.requests("listMetricResults")).toHaveLength(1);
    expectWithinBudget();
  });

  it("does not carry out a command older than its response_url, and logs it by name", async () => {
    const runsBefore = sim.control.runIds().length;
    const checkout = sim.control.sets().find((set) => set.name === "Checkout flows")!.id;
    const acceptedAt = new Date(sim.control.now().getTime() - 31 * 60_000).toISOString();
    const detail = accepted({ verb: "run", set: checkout }, "/sim run Checkout flows", { acceptedAt });
    const worker = container();
    expect(await worker.deliver(detail)).toEqual({ status: "expired" });
    expect(sim.control.runIds()).toHaveLength(runsBefore);
    expect(sim.control.requests()).toEqual([]);
    expect(stub.responses).toEqual([]);
    const [warning] = warnings.filter((entry) => entry.event === "command.expired");
    expect(warning?.fields).toMatchObject({ requestId: detail.requestId, verb: "run", text: "/sim run Checkout flows", acceptedAt });
    expect(JSON.stringify(warning)).not.toContain(detail.responseUrl);
    expect(await worker.deliver(detail)).toEqual({ status: "duplicate" });

    // Within its 30 minutes it runs.
    sim.control.advance(60 * 60_000); // Amigo's one-unfinished-run rule starts clean
    const fresh = accepted({ verb: "run", set: checkout }, "/sim run Checkout flows", { acceptedAt: new Date(sim.control.now().getTime() - 29 * 60_000).toISOString() });
    const ran = await container().deliver(fresh);
    expect(ran.status).toBe("done");
    expect(sim.control.runIds()).toHaveLength(runsBefore + 1);
  });
});
