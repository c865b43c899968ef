/**
 * The command worker killed between two effects, then the event redelivered: it resumes from
 * its record, never repeats what happened, and never drops the command.
 */
import { accessPolicy } from "../../functions/core/commands/access.js";
import { parseConfig } from "../../functions/core/config.js";
import { beforeEach, describe, expect, it } from "vitest";
import type { Command } from "../../functions/core/commands/commands.js";
import { CommandBusy, createCommandWorker } from "../../functions/core/commands/command-worker.js";
import type { CommandAcceptedDetail } from "../../functions/core/events.js";
import type { AmigoApi, ClaimOwner } from "../../functions/core/ports.js";
import { stateKeys } from "../../functions/core/idempotency/state-keys.js";
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

/** A worker process; `dies` wires a kill switch into its Amigo client, state and chat. */
function process_(id: string, dies?: { after: "createRun" | "post" | "cancelRun" }) {
  const owner: ClaimOwner = { id, isGone: (other) => gone.has(other) };
  const kill = killSwitch();
  const wrap = <T extends object>(target: T, method?: string): T =>
    dies ? killable(target, kill, method ? ({ [method]: () => true } as never) : {}) : target;
  const amigo: AmigoApi = wrap(testClient(sim).client, dies?.after === "createRun" || dies?.after === "cancelRun" ? dies.after : undefined);
  const chat = wrap(new SlackChat({ token: stub.token, apiUrl: stub.apiUrl, timeoutMs: 2000 }), dies?.after === "post" ? "post" : undefined);
  const worker = createCommandWorker({
    amigo,
    state: wrap(state),
    chat,
    clock: sim.control.clock,
    owner,
    access: accessPolicy(parseConfig({ SLACK_API_URL: stub.apiUrl })),
    amigoUser: { org_id: sim.orgId, user_id: sim.credentials.userId },
    waitForPostMs: 0,
  });
  return { worker, die: () => gone.add(id) };
}

function accepted(command: Command): CommandAcceptedDetail {
  counter += 1;
  return { command, text: `/sim ${command.verb}`, userId: "U0ALICE", channelId: "C0TEAM", responseUrl: stub.responseUrl(`r${counter}`), requestId: `resume-${counter}` };
}

const runsOf = (setName: string) => sim.control.runIds().filter((id) => sim.control.getRun(id)?.simulation_unit_test_set_id === sim.control.sets().find((s) => s.name === setName)?.id);

describe("a redelivered command resumes where its killed worker stopped", () => {
  it("adopts the run Amigo created just before the worker was killed: one run, one announcement", async () => {
    const detail = accepted({ verb: "run", set: "Checkout flows" });
    const before = runsOf("Checkout flows").length;
    const first = process_("w1", { after: "createRun" });
    await expect(first.worker.handle(detail)).rejects.toBeInstanceOf(ProcessKilled);
    first.die();

    const outcome = await process_("w2").worker.handle(detail);
    expect(outcome.status).toBe("done");
    const created = runsOf("Checkout flows").slice(before);
    expect(created).toHaveLength(1);
    expect(outcome).toMatchObject({ runId: created[0] });
    expect(stub.topLevel("C0TEAM")).toHaveLength(1);
    expect(stub.responses.at(-1)?.body.text).toContain("Started run");
    expect(stub.responses.map((r) => r.body.text).join("\n")).not.toContain("already unfinished");
  });

  it("never announces twice when killed right after the announcement reached Slack", async () => {
    const detail = accepted({ verb: "run", set: "Billing disputes" });
    const first = process_("w3", { after: "post" });
    await expect(first.worker.handle(detail)).rejects.toBeInstanceOf(ProcessKilled);
    first.die();
    expect(stub.topLevel("C0TEAM")).toHaveLength(1);

    const outcome = await process_("w4").worker.handle(detail);
    expect(outcome.status).toBe("done");
    expect(stub.topLevel("C0TEAM")).toHaveLength(1);
    expect(runsOf("Billing disputes").filter((id) => !sim.control.getRun(id)?.is_completed)).toHaveLength(1);
  });

  it("asks for a redelivery, never drops the command, while a live worker holds it", async () => {
    const detail = accepted({ verb: "status" });
    await state.create(stateKeys.commandRecord(detail.requestId), {
      status: "in_progress",
      owner: "w-live",
      claimedAt: sim.control.now().toISOString(),
      expiresAt: new Date(sim.control.now().getTime() + 60_000).toISOString(),
      progress: { verb: "status", attempts: 1, steps: {} },
    });
    await expect(process_("w5").worker.handle(detail)).rejects.toBeInstanceOf(CommandBusy);
    gone.add("w-live");
    expect((await process_("w6").worker.handle(detail)).status).toBe("done");
    expect((await process_("w7").worker.handle(detail)).status).toBe("duplicate");
  });

  it("does not call a run cancelled when the worker died before it could record Amigo's answer", async () => {
    const runId = sim.control.createRun({ set: "Refund edge cases" });
    const detail = accepted({ verb: "cancel", runId });
    const first = process_("w8", { after: "cancelRun" });
    await expect(first.worker.handle(detail)).rejects.toBeInstanceOf(ProcessKilled);
    first.die();
    expect(await state.get(stateKeys.cancelRequest(runId))).toMatchObject({ value: { status: "requested" } });

    await process_("w9").worker.handle(detail);
    // The redelivered cancel met a run no longer in progress: nobody can say who stopped it.
    expect(await state.get(stateKeys.cancelRequest(runId))).toMatchObject({ value: { status: "unknown" } });
  });

  it("records a cancel Amigo refused as refused, so the run keeps the verdict Amigo gives it", async () => {
    const runId = sim.control.createRun({ set: "Onboarding happy path" });
    sim.control.advance(60 * 60_000);
    await process_("w10").worker.handle(accepted({ verb: "cancel", runId }));
    expect(await state.get(stateKeys.cancelRequest(runId))).toMatchObject({ value: { status: "refused" } });
    expect(stub.responses.at(-1)?.body.text).toContain("has already finished");
  });
});
