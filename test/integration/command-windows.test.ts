/**
 * The command worker's smaller windows, closed: a redelivered `/sim run` that meets Amigo's 409
 * adopts only a run no other command claimed, and set names of any length are typed whole (or
 * refused with the id to use). The worker against the simulator, Slack's stand-in refusing what
 * Slack refuses.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { accessPolicy } from "../../functions/core/commands/access.js";
import { createCommandWorker } from "../../functions/core/commands/command-worker.js";
import { type Command, MAX_NAME_CHARS, parseCommand } from "../../functions/core/commands/commands.js";
import { parseConfig } from "../../functions/core/config.js";
import type { CommandAcceptedDetail, SlackOrigin } from "../../functions/core/events.js";
import { stateKeys } from "../../functions/core/idempotency/state-keys.js";
import type { AmigoApi, ClaimOwner, StateStore } from "../../functions/core/ports.js";
import { SlackChat } from "../../functions/slack/client.js";
import { killable, killSwitch, ProcessKilled } from "../support/kill-switch.js";
import { MemoryStateStore } from "../support/memory-state-store.js";
import { useSlackStub } from "../support/slack-stub.js";
import { testClient, useSimulator } from "../support/simulator.js";

const sim = useSimulator();
const stub = useSlackStub();
let state: MemoryStateStore;
let counter = 0;
const gone = new Set<string>();

beforeEach(() => {
  state = new MemoryStateStore();
  sim.control.advance(60 * 60_000); // every earlier run finished: Amigo's one-unfinished-run rule starts clean
});

interface Dies {
  /** Killed right after it recorded its intent to create, before Amigo's create. */
  afterIntent?: boolean;
  /** Killed as Amigo's create is sent (the run may exist, the worker never hears). */
  atCreate?: boolean;
}

/** A worker process that a kill switch can stop where `dies` says. */
function worker(id: string, dies: Dies = {}) {
  const owner: ClaimOwner = { id, isGone: (other) => gone.has(other) };
  const kill = killSwitch();
  const recordsIntent = (...args: unknown[]) => dies.afterIntent === true && JSON.stringify(args[1] ?? "").includes("create-intent");
  const amigo: AmigoApi = killable(testClient(sim).client, kill, dies.atCreate ? { createRun: () => true } : {});
  const store: StateStore = killable<StateStore>(state, kill, { replace: recordsIntent });
  return createCommandWorker({
    amigo,
    state: store,
    chat: new SlackChat({ token: stub.token, apiUrl: stub.apiUrl, timeoutMs: 2000 }),
    clock: sim.control.clock,
    owner,
    access: accessPolicy(parseConfig({ SLACK_API_URL: stub.apiUrl })),
    amigoUser: { org_id: sim.orgId, user_id: sim.credentials.userId },
    waitForPostMs: 0,
  });
}

function accepted(command: Command, text: string, extra: Partial<CommandAcceptedDetail> = {}): CommandAcceptedDetail {
  counter += 1;
  return { command, text, userId: "U0ALICE", channelId: "C0TEAM", responseUrl: stub.responseUrl(`w${counter}`), requestId: `windows-${counter}`, ...extra };
}

const lastAnswer = () => stub.responses.at(-1)?.body.text ?? "";

describe("a redelivered /sim run that meets Amigo's 409", () => {
  it("does not adopt a run another command started after its intent: it says whose run is unfinished", async () => {
    const mine = accepted({ verb: "run", set: "Checkout flows" }, "/sim run Checkout flows");
    await expect(worker("dies", { afterIntent: true }).handle(mine)).rejects.toBeInstanceOf(ProcessKilled);
    gone.add("dies");
    // Bob starts the same set meanwhile, as the same Amigo user.
    const bobs = accepted({ verb: "run", set: "Checkout flows" }, "/sim run Checkout flows", { userId: "U0BOB", channelId: "C0BOB" });
    const started = await worker("bob").handle(bobs);
    expect(started.status).toBe("done");
    const runId = started.status === "done" ? started.runId : undefined;

    const redelivered = await worker("again").handle(mine);
    expect(redelivered).toMatchObject({ status: "done" });
    expect(redelivered).not.toHaveProperty("runId");
    expect(lastAnswer()).toContain("already unfinished");
    expect(lastAnswer()).not.toContain("Started run");
    expect((await state.get<SlackOrigin>(stateKeys.runOrigin(runId!)))?.value).toMatchObject({ requestId: bobs.requestId, userId: "U0BOB" });
    expect(stub.topLevel("C0TEAM")).toHaveLength(0);
    expect(stub.topLevel("C0BOB")).toHaveLength(1);
  });

  it("still adopts the run its own earlier attempt created, which no other command claims", async () => {
    const mine = accepted({ verb: "run", set: "Billing disputes" }, "/sim run Billing disputes");
    const first = worker("first", { atCreate: true });
    await expect(first.handle(mine)).rejects.toBeInstanceOf(ProcessKilled);
    gone.add("first");
    const outcome = await worker("second").handle(mine);
    expect(outcome).toMatchObject({ status: "done", runId: expect.stringMatching(/^[a-f0-9]{24}$/) });
    expect(lastAnswer()).toContain("Started run");
  });
});

describe("set names of any length", () => {
  const longName = (length: number, word: string) => `${word} `.repeat(Math.ceil(length / (word.length + 1))).slice(0, length).trim();

  it("runs a set whose name is 3,000 characters, typed whole, and every answer fits Slack", async () => {
    const name = longName(3_000, "Escalation");
    sim.control.addSet({ name, unitTests: [{ name: "Escalates", criteria: [] }] });
    const parsed = parseCommand(`run ${name}`);
    expect(parsed).toMatchObject({ ok: true, command: { verb: "run", set: name } });
    const outcome = await worker("long").handle(accepted((parsed as { command: Command }).command, `/sim run ${name}`));
    expect(outcome.status).toBe("done");
    expect(lastAnswer()).toContain("Started run");
    expect(stub.topLevel("C0TEAM")).toHaveLength(1);
    expect(stub.refused).toEqual([]);
  });

  it("answers a long name that arrived cut short with the set it begins, by id", async () => {
    const name = longName(1_500, "Refund");
    const set = sim.control.addSet({ name: `${name} (Q3)`, unitTests: [{ name: "Refunds", criteria: [] }] });
    const typed = name.slice(0, 400);
    const outcome = await worker("cut").handle(accepted({ verb: "status", target: typed }, `/sim status ${typed}`));
    expect(outcome.status).toBe("done");
    expect(JSON.stringify(stub.responses.at(-1)?.body)).toContain(set.id);
    expect(lastAnswer()).toContain("Name it by its id");
  });

  it("refuses a name longer than a command can carry, saying to use the id", async () => {
    const parsed = parseCommand(`run ${"x".repeat(MAX_NAME_CHARS + 1)}`);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toContain("24-hex id");
  });
});
