/**
 * A Home refresh killed mid-publish: `simwatch home --refresh` is SIGKILLed (its whole process
 * group) while Slack has taken its views.publish and not yet answered. The person stays in
 * the refresh queue (they leave it only once published), and the next drain (here the next
 * `simwatch home --refresh`; in AWS the next finish, open or Home Refresh Due) takes over the
 * dead drainer's claim at once and publishes their Home again.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileSystemStateStore } from "../../functions/archive/fs-state-store.js";
import { accessPolicy } from "../../functions/core/commands/access.js";
import { parseConfig } from "../../functions/core/config.js";
import { createHomes, type HomeViewer } from "../../functions/core/home/homes.js";
import { stateKeys } from "../../functions/core/idempotency/state-keys.js";
import { updateState } from "../../functions/core/idempotency/state-update.js";
import { silentLogger } from "../../functions/core/log.js";
import { systemClock } from "../../functions/core/ports.js";
import { type RunningSimulator, startSimulator } from "../../functions/local/simulator/index.js";
import { SlackChat } from "../../functions/slack/client.js";
import type { GroupProcess } from "../support/processes.js";
import { simwatchEnv, startSimwatch, waitUntil, type Wiring } from "../support/simwatch-cli.js";
import { type SlackStub, startSlackStub } from "../support/slack-stub.js";
import { testClient } from "../support/simulator.js";

let sim: RunningSimulator;
let slack: SlackStub;
let dir: string;
let wiring: Wiring;
let state: FileSystemStateStore;
const children: GroupProcess[] = [];

beforeAll(async () => {
  sim = await startSimulator({ rateLimits: false });
  slack = await startSlackStub();
  dir = await mkdtemp(join(tmpdir(), "simwatch-home-kill-"));
  await mkdir(join(dir, "cwd"));
  wiring = { sim, slack, channel: "C0HOMEKILL", archiveDir: join(dir, "archive") };
  state = new FileSystemStateStore({ root: wiring.archiveDir });
});

afterAll(async () => {
  await Promise.all(children.map((child) => child.kill()));
  await Promise.allSettled([sim.close(), slack.close()]);
  await rm(dir, { recursive: true, force: true });
});

function refresh(): GroupProcess {
  const child = startSimwatch(["home", "--refresh"], { env: simwatchEnv(wiring), cwd: join(dir, "cwd") });
  children.push(child);
  return child;
}

/** The person's Home was last published two minutes ago, so their minute has passed. */
const minuteAgo = () =>
  updateState<HomeViewer>(state, stateKeys.homeViewer("U0ALICE"), (viewer) => viewer && { ...viewer, publishedAt: new Date(Date.now() - 120_000).toISOString() });

describe("a Home refresh killed mid-publish", () => {
  it("leaves the person queued, and the next drain publishes their Home", async () => {
    const run = sim.control.createRun({ set: "Checkout flows", createdAt: new Date(Date.now() - 60_000), outcome: { durationMs: 1_000 } });
    const setId = sim.control.getRun(run)?.simulation_unit_test_set_id ?? "";
    const homes = createHomes({
      amigo: testClient(sim).client,
      state,
      chat: new SlackChat({ token: slack.token, apiUrl: slack.apiUrl, timeoutMs: 2000 }),
      clock: systemClock,
      access: accessPolicy(parseConfig({ SLACK_API_URL: slack.apiUrl })),
      log: silentLogger,
    });
    await homes.opened({ userId: "U0ALICE", teamId: "T0TEAM", eventId: "Ev0KILL", openedAt: new Date().toISOString() });
    expect(slack.homes.get("U0ALICE")?.publishes).toBe(1);
    await minuteAgo();
    // A run of a set on Alice's Home finished (what Run Finished records before it drains).
    await state.create(stateKeys.homeSetFinished(setId), { setId, at: new Date().toISOString() });

    slack.answerLate(30_000);
    const killed = refresh();
    expect(await waitUntil(() => slack.count("views.publish") === 2, { timeoutMs: 30_000, stop: () => killed.exited !== undefined })).toBe(true);
    await killed.kill();
    expect(killed.exited?.signal).toBe("SIGKILL");
    const queue = await state.get<{ waiting: Record<string, unknown> }>(stateKeys.homeQueue());
    expect(Object.keys(queue?.value.waiting ?? {})).toEqual(["U0ALICE"]);

    slack.answerLate(0);
    const next = refresh();
    const exit = await next.exit;
    expect(exit.code, next.output()).toBe(0);
    expect(JSON.parse(next.stdout().trim().split("\n").at(-1) ?? "{}")).toMatchObject({ ok: true, status: "drained", published: 1, waiting: 0 });
    expect(slack.homes.get("U0ALICE")?.publishes).toBe(3);
    expect(Object.keys((await state.get<{ waiting: Record<string, unknown> }>(stateKeys.homeQueue()))?.value.waiting ?? {})).toEqual([]);
    expect(slack.refused).toEqual([]);
  });
});

describe("simwatch home", () => {
  it("prints people's Homes in the terminal as Slack would show them, publishing nothing", async () => {
    const before = slack.count("views.publish");
    const child = startSimwatch(["home", "--user", "U0ALICE", "--user", "U0BOB"], { env: simwatchEnv(wiring), cwd: join(dir, "cwd") });
    children.push(child);
    expect((await child.exit).code, child.output()).toBe(0);
    const out = child.stdout();
    expect(out).toContain("Home of @U0ALICE · as Slack would show it (not published)");
    expect(out).toContain("Home of @U0BOB");
    expect(out).toContain("SETS THAT RAN IN THE LAST 7 DAYS");
    expect(out).toContain("Checkout flows");
    expect(slack.count("views.publish")).toBe(before);
  });

  it("refuses a --user that is not a Slack user id", async () => {
    const child = startSimwatch(["home", "--user", "alice"], { env: simwatchEnv(wiring), cwd: join(dir, "cwd") });
    children.push(child);
    expect((await child.exit).code).toBe(2);
    expect(child.output()).toContain('--user takes Slack user ids (U0123ABCD); got "alice"');
  });
});
