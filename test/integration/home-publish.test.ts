/**
 * The Home tab end to end: a signed app_home_opened over real HTTP to the Hono app, the
 * in-process bus, the command worker's Homes publishing through SlackChat to the Slack
 * stand-in (which refuses views Slack refuses), Amigo as the simulator, state in a folder.
 */
import { type ServerType, serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FileSystemStateStore } from "../../functions/archive/fs-state-store.js";
import { InProcessBus } from "../../functions/bus/in-process-bus.js";
import { ACTION_IDS, ChatError } from "../../functions/core/chat.js";
import { accessPolicy } from "../../functions/core/commands/access.js";
import { parseConfig } from "../../functions/core/config.js";
import { createHomes, type Homes } from "../../functions/core/home/homes.js";
import { silentLogger } from "../../functions/core/log.js";
import { saveSchedule } from "../../functions/core/schedules/schedules.js";
import { scheduleIdOf } from "../../functions/core/schedules/schedule.js";
import type { RunningSimulator } from "../../functions/local/simulator/index.js";
import { createSlackApp } from "../../functions/slack/app.js";
import { SlackChat } from "../../functions/slack/client.js";
import { eventBody, eventHeaders, type SlackStub, startSlackStub, type StubBlock } from "../support/slack-stub.js";
import { startTestSimulator, testClient } from "../support/simulator.js";
import { useTempFolders } from "../support/temp-folders.js";

const secret = "home-signing-secret";
const ARCHIVE_WEB = "https://archive.example.com/archive/";
const DAY = 86_400_000;
const tempFolder = useTempFolders("simwatch-home-");

let sim: RunningSimulator;
let stub: SlackStub;
let server: ServerType;
let baseUrl: string;
let bus: InProcessBus;
let state: FileSystemStateStore;
let homes: Homes;

async function start(): Promise<void> {
  sim = await startTestSimulator();
  state = new FileSystemStateStore({ root: await tempFolder() });
  const config = parseConfig({ SLACK_ALLOWED_USERS: "U0ALICE,U0BOB", SLACK_TEAM_ID: "T0TEAM", SLACK_API_URL: stub.apiUrl });
  const access = accessPolicy(config);
  bus = new InProcessBus({ log: silentLogger, attempts: 1 });
  homes = createHomes({
    amigo: testClient(sim).client,
    state,
    chat: new SlackChat({ token: stub.token, apiUrl: stub.apiUrl, timeoutMs: 2000 }),
    clock: sim.control.clock,
    access,
    log: silentLogger,
    archiveWebUrl: ARCHIVE_WEB,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 20))),
  });
  bus.subscribe("Home Opened", async (e) => void (await homes.opened(e.detail)), { name: "home", concurrency: 50 });
  const app = createSlackApp({ signingSecret: secret, bus, access });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function stop(): Promise<void> {
  await bus?.close();
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  await sim?.close();
}

beforeAll(async () => {
  stub = await startSlackStub();
});
beforeEach(async () => {
  await stop();
  stub.reset();
  await start();
});
afterAll(async () => {
  await stop();
  await stub.close();
});

async function open(userId: string, options: { eventId?: string; retry?: number; teamId?: string } = {}): Promise<number> {
  const body = eventBody({ userId, ...(options.eventId ? { eventId: options.eventId } : {}), ...(options.teamId ? { teamId: options.teamId } : {}) });
  const response = await fetch(`${baseUrl}/slack/events`, { method: "POST", body, headers: eventHeaders(secret, body, Math.floor(Date.now() / 1000), options.retry) });
  await bus.idle();
  return response.status;
}

const runOf = (set: string, daysAgo: number, outcome: Parameters<RunningSimulator["control"]["createRun"]>[0]["outcome"] = {}) =>
  sim.control.createRun({ set, createdAt: new Date(sim.control.now().getTime() - daysAgo * DAY), outcome: { durationMs: 10_000, ...outcome } });

const textOf = (blocks: readonly StubBlock[]) => JSON.stringify(blocks);
const actionIds = (blocks: readonly StubBlock[]) =>
  blocks.flatMap((block) => [...((block.elements as { action_id?: string }[] | undefined) ?? []), ...(block.accessory ? [block.accessory as { action_id?: string }] : [])]).map((e) => e.action_id);
const amigoCalls = () => Object.values(sim.control.requestCounts()).reduce((sum, count) => sum + (count ?? 0), 0);

describe("the Home tab", () => {
  it("publishes the person's Home when they open it: recent sets with Run and Open report, what runs with Cancel, the archive", async () => {
    runOf("Checkout flows", 3);
    const failed = runOf("Billing disputes", 1, { failing: [{ unitTest: "Double charge on renewal" }] });
    const running = sim.control.createRun({ set: "Checkout flows", outcome: { durationMs: 3_600_000 } });
    expect(await open("U0ALICE")).toBe(200);
    const home = stub.homes.get("U0ALICE");
    expect(home?.publishes).toBe(1);
    const blocks = home?.blocks ?? [];
    const text = textOf(blocks);
    // Most recent first: Checkout flows' latest run is the one running now.
    expect(text.indexOf("*Checkout flows*")).toBeGreaterThan(-1);
    expect(text.indexOf("*Billing disputes*")).toBeGreaterThan(text.indexOf("*Checkout flows*"));
    expect(text).toContain("latest failed");
    expect(text).toContain(`${ARCHIVE_WEB}${sim.control.getRun(failed)?.simulation_unit_test_set_id}/${failed}/`);
    expect(text).toContain(running);
    expect(actionIds(blocks)).toEqual(expect.arrayContaining([ACTION_IDS.rerun, ACTION_IDS.cancel, "simwatch_open_report"]));
    expect(text).toContain("the archive browser");
    expect(stub.refused).toEqual([]);
  });

  it("publishes once for Slack's retries of one opening", async () => {
    runOf("Checkout flows", 1);
    await open("U0ALICE", { eventId: "Ev0ONCE" });
    await open("U0ALICE", { eventId: "Ev0ONCE", retry: 1 });
    await open("U0ALICE", { eventId: "Ev0ONCE", retry: 2 });
    expect(stub.count("views.publish")).toBe(1);
    await open("U0ALICE", { eventId: "Ev0AGAIN" });
    expect(stub.homes.get("U0ALICE")?.publishes).toBe(2);
  });

  it("shows no Run or Cancel to someone who may not use them, and still shows them the Home", async () => {
    runOf("Checkout flows", 1);
    sim.control.createRun({ set: "Billing disputes", outcome: { durationMs: 3_600_000 } });
    await open("U0EVE");
    const blocks = stub.homes.get("U0EVE")?.blocks ?? [];
    expect(textOf(blocks)).toContain("*Checkout flows*");
    expect(actionIds(blocks)).not.toContain(ACTION_IDS.rerun);
    expect(actionIds(blocks)).not.toContain(ACTION_IDS.cancel);
    expect(actionIds(blocks)).toContain("simwatch_open_report");
  });

  it("publishes nothing for a Home opened in another workspace", async () => {
    expect(await open("U0ALICE", { teamId: "T0OTHER" })).toBe(403);
    expect(stub.count("views.publish")).toBe(0);
  });

  it("fits 200 sets, 30 running runs and 50 schedules within Slack's limits, saying what was left out", async () => {
    const criteria = [{ name: "Resolved", metric: "Task completion", criterion: { type: "boolean" as const, expected_value: true } }];
    for (let i = 0; i < 200; i++) {
      const set = sim.control.addSet({ name: `Set ${String(i).padStart(3, "0")} ${"with a long & <tricky> name ".repeat(4)}`, unitTests: [{ name: `Test ${i}`, criteria }] });
      if (i < 30) sim.control.createRun({ set: set.id, outcome: { durationMs: 3_600_000 } });
      else sim.control.createRun({ set: set.id, createdAt: new Date(sim.control.now().getTime() - (i % 6) * DAY - 60_000), outcome: { durationMs: 10_000 } });
      if (i < 50) {
        await saveSchedule(state, {
          scheduleId: scheduleIdOf(set.id, "C0TEAM"),
          setId: set.id,
          setName: set.name,
          channelId: "C0TEAM",
          owner: "U0ALICE",
          when: { kind: "daily", time: "09:00" },
          timeZone: "Europe/Berlin",
          savedAt: sim.control.now().toISOString(),
        });
      }
    }
    await open("U0ALICE");
    expect(stub.refused).toEqual([]);
    const home = stub.homes.get("U0ALICE");
    expect(home?.blocks.length).toBeLessThanOrEqual(100);
    expect(home?.bytes).toBeLessThanOrEqual(250 * 1024);
    const text = textOf(home?.blocks ?? []);
    expect(text).toContain("more not shown here");
    expect(text).toContain("Schedules");
  });

  it("costs Amigo at most 3 calls when 40 people open their Homes at once", async () => {
    runOf("Checkout flows", 1);
    runOf("Billing disputes", 2);
    sim.control.resetRequests();
    await Promise.all(Array.from({ length: 40 }, (_, i) => open(`U0P${i}`)));
    expect(stub.count("views.publish")).toBe(40);
    expect(amigoCalls()).toBeLessThanOrEqual(3);
  });
});

describe("the Slack stand-in", () => {
  it("refuses a Home of 101 blocks, and one over 250 KB, like Slack", async () => {
    const chat = new SlackChat({ token: stub.token, apiUrl: stub.apiUrl, timeoutMs: 2000 });
    const line = (text: string) => ({ kind: "lines" as const, lines: [[text]] });
    const many = { userId: "U0ALICE", blocks: Array.from({ length: 101 }, (_, i) => line(`line ${i}`)) };
    await expect(chat.publishHome(many)).rejects.toMatchObject({ name: "ChatError", code: "invalid_arguments" });
    const big = { userId: "U0ALICE", blocks: Array.from({ length: 99 }, () => line("x".repeat(2900))) };
    await expect(chat.publishHome(big)).rejects.toBeInstanceOf(ChatError);
    expect(stub.refused.map((r) => r.error)).toEqual(["invalid_arguments", "view_too_large"]);
    expect(chat.homeFits(many)).toBe(false);
    expect(chat.homeFits(big)).toBe(false);
    expect(stub.homes.size).toBe(0);
  });
});
