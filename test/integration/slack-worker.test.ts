import { accessPolicy } from "../../functions/core/commands/access.js";
import { parseConfig } from "../../functions/core/config.js";
import { beforeEach, describe, expect, it } from "vitest";
import { MemoryStateStore } from "../support/memory-state-store.js";
import type { Command } from "../../functions/core/commands/commands.js";
import { CommandRetryLater, createCommandWorker, type CommandWorkerDeps } from "../../functions/core/commands/command-worker.js";
import type { AcceptedCommand, CommandAcceptedDetail, SlackOrigin } from "../../functions/core/events.js";
import { FileSystemArchiveStore } from "../../functions/archive/fs-archive-store.js";
import { S3ArchiveStore } from "../../functions/archive/s3-archive-store.js";
import type { ArchiveStore } from "../../functions/core/ports.js";
import { s3WithFreshBucket } from "../support/s3.js";
import { stateKeys } from "../../functions/core/idempotency/state-keys.js";
import { renderMessage } from "../../functions/slack/blocks.js";
import { SlackChat } from "../../functions/slack/client.js";
import { useSlackStub } from "../support/slack-stub.js";
import { testClient, useSimulator } from "../support/simulator.js";

const sim = useSimulator();
const stub = useSlackStub();
let state: MemoryStateStore;
let counter = 0;

beforeEach(() => {
  state = new MemoryStateStore();
});

function worker(overrides: Partial<CommandWorkerDeps> = {}) {
  return createCommandWorker({
    amigo: testClient(sim).client,
    state,
    chat: new SlackChat({ token: stub.token, apiUrl: stub.apiUrl, timeoutMs: 2000 }),
    clock: sim.control.clock,
    access: accessPolicy(parseConfig({ SLACK_API_URL: stub.apiUrl })),
    amigoUser: { org_id: sim.orgId, user_id: sim.credentials.userId },
    defaultChannel: "C0DEFAULT",
    waitForPostMs: 2000,
    ...overrides,
  });
}

function accepted(command: AcceptedCommand, extra: Partial<CommandAcceptedDetail> = {}): CommandAcceptedDetail {
  counter += 1;
  const id = `req-${counter}`;
  return {
    command,
    text: `/sim ${command.verb}`,
    userId: "U0ALICE",
    channelId: "C0TEAM",
    teamId: "T0TEAM",
    responseUrl: stub.responseUrl(id),
    requestId: `${Date.now()}.${counter}.abc`,
    ...extra,
  };
}

/** What the user was told through response_url, as the fallback text plus the blocks. */
function answers(): string[] {
  return stub.responses.map((r) => `${r.body.text ?? ""}\n${JSON.stringify(r.body.blocks ?? [])}`);
}

function lastAnswer(): string {
  const all = answers();
  expect(all.length).toBeGreaterThan(0);
  return all.at(-1) ?? "";
}

function finishAllRuns() {
  sim.control.advance(60 * 60 * 1000);
}

describe("command worker against the simulator", () => {
  it("runs a set named case-insensitively, announces it in the channel and remembers the origin", async () => {
    finishAllRuns();
    const outcome = await worker().handle(accepted({ verb: "run", set: "checkout FLOWS" }));
    expect(outcome.status).toBe("done");
    const runId = outcome.status === "done" ? outcome.runId : undefined;
    expect(runId).toMatch(/^[a-f0-9]{24}$/);
    expect(sim.control.getRun(runId!)?.is_completed).toBe(false);

    const [announcement] = stub.topLevel("C0TEAM");
    expect(stub.topLevel("C0TEAM")).toHaveLength(1);
    expect(announcement!.text).toContain("Checkout flows: running");
    expect(JSON.stringify(announcement!.blocks)).toContain("<@U0ALICE>");
    const origin = (await state.get<SlackOrigin>(stateKeys.runOrigin(runId!)))?.value;
    // The origin names the command that started the run, so no other command's 409 adopts it.
    expect(origin).toEqual({ channelId: "C0TEAM", userId: "U0ALICE", teamId: "T0TEAM", threadTs: announcement!.ts, requestId: expect.stringMatching(/\.abc$/) });
    expect(await state.get(stateKeys.runMessage(runId!, "C0TEAM"))).toMatchObject({ value: { status: "completed", progress: { ts: announcement!.ts } } });
    expect(lastAnswer()).toContain("Started run");
    expect(stub.responses.at(-1)?.body.response_type).toBe("ephemeral");
  });

  it("does nothing twice for a duplicated event", async () => {
    finishAllRuns();
    const before = sim.control.runIds().length;
    const detail = accepted({ verb: "run", set: "Billing disputes" });
    const w = worker();
    expect((await w.handle(detail)).status).toBe("done");
    expect(await w.handle(detail)).toEqual({ status: "duplicate" });
    expect(await worker().handle(detail)).toEqual({ status: "duplicate" });
    expect(sim.control.runIds().length).toBe(before + 1);
    expect(stub.topLevel("C0TEAM")).toHaveLength(1);
    expect(stub.responses).toHaveLength(1);
  });

  it("names the unfinished run on a 409 and offers to cancel it", async () => {
    finishAllRuns();
    const first = await worker().handle(accepted({ verb: "run", set: "Onboarding happy path" }, { userId: "U0BOB" }));
    const runId = first.status === "done" ? first.runId : undefined;
    const second = await worker().handle(accepted({ verb: "run", set: "Onboarding happy path" }));
    expect(second.status).toBe("done");
    expect(second.status === "done" ? second.runId : "no").toBeUndefined();
    const text = lastAnswer();
    expect(text).toContain(runId!);
    expect(text).toContain("<@U0BOB>");
    expect(text).toContain("already unfinished");
    const actions = stub.responses.at(-1)?.body.blocks?.find((b) => b.type === "actions");
    expect(JSON.stringify(actions)).toContain("simwatch_cancel");
    expect(JSON.stringify(actions)).toContain(runId!);
  });

  it("cancels a run, recording the request before asking Amigo and the acceptance after its 204", async () => {
    finishAllRuns();
    const runId = sim.control.createRun({ set: "Refund edge cases" });
    const outcome = await worker().handle(accepted({ verb: "cancel", runId }));
    expect(outcome.status).toBe("done");
    expect(lastAnswer()).toContain("Amigo accepted the cancel of run");
    expect(await state.get(stateKeys.cancelRequest(runId))).toMatchObject({ value: { by: "U0ALICE", status: "cancelled" } });
    expect(sim.control.getRun(runId)?.is_completed).toBe(true);
  });

  it("says a finished run has already finished, with its verdict, and records the cancel as refused", async () => {
    sim.control.addSet({
      name: "Verdict check",
      unitTests: [{ name: "Only test", criteria: [{ name: "Issue resolved", metric: "Task completion", criterion: { type: "boolean", expected_value: true } }] }],
      outcome: { failing: [{ unitTest: "Only test" }], errors: [] },
    });
    const runId = sim.control.createRun({ set: "Verdict check" });
    finishAllRuns();
    await worker().handle(accepted({ verb: "cancel", runId }));
    const text = lastAnswer();
    expect(text).toContain("has already finished");
    expect(text).toContain(":x: failed");
    expect(text).toContain("Verdict check");
    expect(await state.get(stateKeys.cancelRequest(runId))).toMatchObject({ value: { status: "refused" } });
  });

  it("says so for an unknown run id", async () => {
    await worker().handle(accepted({ verb: "cancel", runId: "0123456789abcdef01234567" }));
    expect(lastAnswer()).toContain("There is no run with id");
    expect(await state.get(stateKeys.cancelRequest("0123456789abcdef01234567"))).toMatchObject({ value: { status: "refused" } });
  });

  it("suggests the closest names for an unknown set", async () => {
    await worker().handle(accepted({ verb: "run", set: "chekout flow" }));
    const text = lastAnswer();
    expect(text).toContain("There is no set named");
    expect(text).toContain("Checkout flows");
  });

  it("asks for the id when a name is ambiguous", async () => {
    const a = sim.control.addSet({ name: "Twin set", unitTests: [{ name: "Twin A", criteria: [] }] });
    const b = sim.control.addSet({ name: "twin SET", unitTests: [{ name: "Twin B", criteria: [] }] });
    const before = sim.control.runIds().length;
    await worker().handle(accepted({ verb: "run", set: "Twin Set" }));
    const text = lastAnswer();
    expect(text).toContain("2 sets are named");
    expect(text).toContain(a.id);
    expect(text).toContain(b.id);
    expect(sim.control.runIds().length).toBe(before);
  });

  it("escapes what the user typed when echoing it back", async () => {
    await worker().handle(accepted({ verb: "run", set: "<!channel> & co" }));
    expect(lastAnswer()).not.toContain("<!channel>");
    expect(lastAnswer()).toContain("&lt;!channel&gt; &amp; co");
  });

  it("subscribes, lists and unsubscribes a channel", async () => {
    const w = worker();
    const mention = { kind: "group" as const, markup: "<!subteam^S0QA>", label: "@qa" };
    await w.handle(accepted({ verb: "subscribe", set: "billing disputes", failuresOnly: true, mention }));
    expect(lastAnswer()).toContain("failed and errored runs");
    const billing = sim.control.sets().find((s) => s.name === "Billing disputes")!;
    expect(await state.get(stateKeys.subscription(billing.id, "C0TEAM"))).toMatchObject({ value: { failuresOnly: true, mention } });

    await w.handle(accepted({ verb: "subscribe", set: "Checkout flows", failuresOnly: false }));
    await w.handle(accepted({ verb: "subscriptions" }));
    const listing = lastAnswer();
    expect(listing).toContain("Billing disputes");
    expect(listing).toContain("failures only");
    expect(listing).toContain("Checkout flows");
    expect(listing).toContain("<#C0DEFAULT>");

    await w.handle(accepted({ verb: "unsubscribe", set: "BILLING DISPUTES" }));
    expect(lastAnswer()).toContain("no longer hears about");
    await w.handle(accepted({ verb: "subscriptions" }));
    expect(lastAnswer()).not.toContain("Billing disputes");
    await w.handle(accepted({ verb: "unsubscribe", set: "Billing disputes" }));
    expect(lastAnswer()).toContain("was not subscribed");
  });

  it("shows status and lists recent runs", async () => {
    finishAllRuns();
    const runId = sim.control.createRun({ set: "Checkout flows" });
    const w = worker();
    await w.handle(accepted({ verb: "status" }));
    expect(lastAnswer()).toContain("Sets that ran in the last 7 days");
    expect(lastAnswer()).toMatch(/:hourglass_flowing_sand: \*Checkout flows\*/);
    await w.handle(accepted({ verb: "status", target: runId }));
    expect(lastAnswer()).toContain("Checkout flows: running");
    await w.handle(accepted({ verb: "list", set: "Checkout flows", failedOnly: false }));
    expect(lastAnswer()).toContain(runId);
    await w.handle(accepted({ verb: "status", target: "Checkout flows" }));
    expect(lastAnswer()).toContain("Running now");
    expect(lastAnswer()).toContain(runId);
    await w.handle(accepted({ verb: "help" }));
    expect(lastAnswer()).toContain("/sim subscribe");
  });

  it("tells the user once and asks for a retry while Amigo is unavailable, then runs the command on redelivery", async () => {
    finishAllRuns();
    sim.control.faults.failNext("*", { status: 503, count: 1000 });
    const detail = accepted({ verb: "run", set: "Checkout flows" });
    const w = worker();
    await expect(w.handle(detail)).rejects.toBeInstanceOf(CommandRetryLater);
    expect(lastAnswer()).toContain("Amigo is unavailable right now");
    await expect(w.handle(detail)).rejects.toBeInstanceOf(CommandRetryLater);
    expect(stub.responses).toHaveLength(1);
    sim.control.faults.clear();
    const outcome = await w.handle(detail);
    expect(outcome.status).toBe("done");
    expect(lastAnswer()).toContain("Started run");
    expect(await w.handle(detail)).toEqual({ status: "duplicate" });
  });

  it("never calls a rate limit an outage: the command waits its turn and then runs", async () => {
    sim.control.faults.failNext("listRuns", { status: 429, retryAfterSeconds: 120, count: 1 });
    const detail = accepted({ verb: "list", failedOnly: false });
    const w = worker();
    await expect(w.handle(detail)).rejects.toBeInstanceOf(CommandRetryLater);
    expect(lastAnswer()).toContain("asked simwatch to slow down");
    expect(answers().join("\n")).not.toContain("unavailable");
    const outcome = await w.handle(detail);
    expect(outcome.status).toBe("done");
    expect(lastAnswer()).toContain("Latest runs");
  });

  it("gives up politely on the last attempt", async () => {
    sim.control.faults.failNext("*", { status: 503, count: 1000 });
    const detail = accepted({ verb: "list", failedOnly: false });
    const w = worker({ maxAttempts: 2 });
    await expect(w.handle(detail)).rejects.toBeInstanceOf(CommandRetryLater);
    const last = await w.handle(detail);
    expect(last.status).toBe("done");
    expect(last.status === "done" && renderMessage(last.reply).text).toContain("Amigo is still unavailable");
    expect(lastAnswer()).toContain("Try again later");
  });

  it("still starts the run when it cannot post in the channel, and says why there is no message", async () => {
    finishAllRuns();
    stub.blockChannel("C0PRIVATE");
    const outcome = await worker().handle(accepted({ verb: "run", set: "Checkout flows" }, { channelId: "C0PRIVATE" }));
    expect(outcome.status === "done" && outcome.runId).toMatch(/^[a-f0-9]{24}$/);
    expect(lastAnswer()).toContain("cannot post in this channel");
  });
});

describe("the Download artifacts button, in the worker", () => {
  const runId = "6b0b18a44226fdec9400003a";
  const setId = "695b7d904226fdec9400001f";
  const download = (key: string): AcceptedCommand => ({ verb: "download", runId, setId, key });
  const linkIn = (answer: string) => /<(http[^|>]+)\|Download the artifacts>/.exec(answer)?.[1]?.replaceAll("&amp;", "&");

  it("answers privately with a link presigned now, which downloads the file as an attachment, never as a page", async () => {
    const { client, bucket } = await s3WithFreshBucket("download");
    const archive = new S3ArchiveStore({ client, bucket });
    const key = `runs/${setId}/${runId}/artifacts.html`;
    const page = "<html><body><script>document.title='run by the bucket'</script></body></html>";
    await archive.putText(key, page, "text/html");
    const outcome = await worker({ archive, archivePrefix: "runs/" }).handle(accepted(download(key)));
    expect(outcome.status).toBe("done");
    expect(stub.responses.at(-1)?.body.response_type).toBe("ephemeral");
    const link = linkIn(lastAnswer());
    expect(link).toContain("X-Amz-Expires=300");
    const response = await fetch(link ?? "");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="artifacts.html"');
    expect(await response.text()).toBe(page);
  });

  it("refuses a key outside the run's archive folder without asking the archive for anything", async () => {
    const asked: string[] = [];
    const archive: Pick<ArchiveStore, "locationOf" | "presignDownload"> = {
      locationOf: (key) => `s3://bucket/${key}`,
      presignDownload: async (key) => {
        asked.push(key);
        return "https://bucket.s3.amazonaws.com/x";
      },
    };
    const bad = ["_simwatch/commands/x.json", `runs/${setId}/${runId}/../../other/artifacts.zip`, `runs/${setId}/65f000000000000000000002/artifacts.zip`, `runs/${setId}/${runId}/`, `runs/${setId}/${runId}/deeper/a.zip`];
    for (const key of bad) await worker({ archive, archivePrefix: "runs/" }).handle(accepted(download(key)));
    expect(asked).toEqual([]);
    expect(answers()).toEqual(Array(bad.length).fill(expect.stringMatching(/does not point into this run's archive folder/)));
  });

  it("says so when the file is no longer in the archive", async () => {
    const { client, bucket } = await s3WithFreshBucket("download-gone");
    await worker({ archive: new S3ArchiveStore({ client, bucket }), archivePrefix: "runs/" }).handle(accepted(download(`runs/${setId}/${runId}/artifacts.zip`)));
    expect(lastAnswer()).toMatch(/no longer in the archive/);
  });

  it("names where the file is when the archive is a folder, which has no links", async () => {
    const archive = new FileSystemArchiveStore({ root: "/srv/simwatch" });
    await worker({ archive, archivePrefix: "runs/" }).handle(accepted(download(`runs/${setId}/${runId}/artifacts.zip`)));
    expect(lastAnswer()).toContain(`/srv/simwatch/runs/${setId}/${runId}/artifacts.zip`);
  });
});

describe("/sim report, in the worker", () => {
  const base = "https://abc.lambda-url.eu-central-1.on.aws/archive/";
  /** The links of an answer (its fallback text and its blocks say the same: each once). */
  const linkIn = (answer: string) => [...new Set([...answer.matchAll(/<(https:[^|>]+)\|([^>]+)>/g)].map((match) => `${match[1]} ${match[2]}`))].map((found) => ({ url: found.split(" ")[0], label: found.split(" ").slice(1).join(" ") }));

  it("links the archive's index, a set's page by name, and a run's report by id: the browser's stable URLs", async () => {
    const w = worker({ archiveWebUrl: base });
    await w.handle(accepted({ verb: "report" }));
    expect(linkIn(lastAnswer())).toEqual([{ url: base, label: "The archive" }]);

    await w.handle(accepted({ verb: "report", target: "checkout flows" }));
    const setId = sim.control.sets().find((set) => set.name === "Checkout flows")!.id;
    expect(linkIn(lastAnswer())).toEqual([{ url: `${base}${setId}/`, label: "The runs of Checkout flows" }]);

    // A run simwatch never posted about: its set comes from Amigo.
    const runId = sim.control.createRun({ set: "Refund edge cases" });
    const refundSet = sim.control.getRun(runId)!.simulation_unit_test_set_id;
    await w.handle(accepted({ verb: "report", target: runId }));
    expect(linkIn(lastAnswer())).toEqual([{ url: `${base}${refundSet}/${runId}/`, label: "The report" }]);
    expect(lastAnswer()).not.toMatch(/X-Amz-|Signature=/);
  });

  it("says a run the notifier knows is not archived yet, with the link its report will have", async () => {
    const runId = "6b0b18a44226fdec9400007a";
    const setId = "695b7d904226fdec9400001f";
    await state.create(stateKeys.runCard(runId), { runId, setId, verdict: "running", setName: "Checkout flows" });
    await worker({ archiveWebUrl: base }).handle(accepted({ verb: "report", target: runId }));
    expect(lastAnswer()).toContain("is not archived yet");
    expect(linkIn(lastAnswer())).toEqual([{ url: `${base}${setId}/${runId}/`, label: "The report" }]);
  });

  it("answers an unknown id or name, and a deployment without an archive browser, in words", async () => {
    await worker({ archiveWebUrl: base }).handle(accepted({ verb: "report", target: "6b0b18a44226fdec940000ff" }));
    expect(lastAnswer()).toContain("There is no run or set with id");
    await worker({ archiveWebUrl: base }).handle(accepted({ verb: "report", target: "No such set at all" }));
    expect(linkIn(lastAnswer())).toEqual([]);
    await worker().handle(accepted({ verb: "report" }));
    expect(lastAnswer()).toContain("ARCHIVE_WEB_URL");
  });
});
