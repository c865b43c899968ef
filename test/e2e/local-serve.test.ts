/**
 * The newcomer's path, end to end: `simwatch serve` in a child process with no
 * configuration at all, driven over HTTP like Slack would, watched through its terminal
 * output and its archive folder, then stopped with SIGINT. Then the same with every secret
 * configured (Amigo as a simulator on loopback, Slack as the stand-in), logging everything:
 * no line either serve printed holds a secret value.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION_IDS } from "../../functions/core/chat.js";
import { LOCAL_SIGNING_SECRET } from "../../functions/local/local-services.js";
import { type RunningSimulator, startSimulator } from "../../functions/local/simulator/index.js";
import { signatureOf } from "../../functions/slack/verify.js";
import { freePorts } from "../support/processes.js";
import { environmentWithoutSimwatch, SIMWATCH_BIN, simwatchEnv } from "../support/simwatch-cli.js";
import { buttonBody, type SlackStub, slackHeaders, startSlackStub } from "../support/slack-stub.js";

let child: ChildProcess;
let output = "";
let dir: string;
let port: number;
let exit: Promise<number | null>;

async function waitFor(pattern: RegExp, timeoutMs = 40_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = output.match(pattern);
    if (match) return match;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${pattern} in:\n${output}`);
}

function slash(text: string, secret = LOCAL_SIGNING_SECRET, fields: Record<string, string> = {}): Promise<Response> {
  const body = new URLSearchParams({ command: "/sim", text, user_id: "UE2E", channel_id: "simwatch-local", team_id: "T1", trigger_id: `t-${Math.random()}`, ...fields }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  return fetch(`http://127.0.0.1:${port}/slack/commands`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": timestamp, "x-slack-signature": signatureOf(secret, timestamp, body) },
    body,
  });
}

/** Starts `simwatch serve` in a fresh folder, configured by `env` alone. */
async function startServe(env: Record<string, string>): Promise<void> {
  dir = await mkdtemp(join(tmpdir(), "simwatch-e2e-"));
  [port] = (await freePorts(1)) as [number];
  output = "";
  child = spawn(process.execPath, [SIMWATCH_BIN, "serve"], {
    cwd: dir,
    env: { ...env, PORT: String(port), POLL_INTERVAL_SECONDS: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  exit = new Promise((done) => child.once("exit", (code) => done(code)));
  // The banner's last line: under load its lines can reach this process in several chunks.
  await waitFor(/listening on http[\s\S]*Send more commands with/);
}

/** Every line printed that contains one of `secrets` (it should be none). */
function linesHolding(secrets: readonly string[]): string[] {
  return output.split("\n").filter((line) => secrets.some((secret) => line.includes(secret)));
}

afterAll(() => {
  if (child.exitCode === null) child.kill("SIGKILL");
});

describe("simwatch serve with no configuration", () => {
  beforeAll(() => startServe(environmentWithoutSimwatch()));

  it("announces the embedded simulator, the folder archive and the terminal for Slack", () => {
    expect(output).toContain("EMBEDDED SIMULATOR");
    expect(output).toContain(join(dir, "archive"));
    expect(output).toContain("Slack: this terminal");
  });

  it("shows the demo run go from started to finished, summarised and archived", async () => {
    await waitFor(/BILLING DISPUTES[\s\S]*Status: running/);
    await waitFor(/updated in place[\s\S]*Status: failed[\s\S]*Unit tests passed: \d+ of \d+/);
    // Why it failed: the judge's value against the criterion and its justification, on the card and in one thread reply.
    await waitFor(/↳ (?:[^\n]*, )?repetition \d of \d: (?:scored \d, needs >= 4|was \w+, expected one of friendly, neutral) — “[^”]+”/);
    await waitFor(/in the thread of message #1\n\s*│ Why it failed: 2 failing unit tests of Billing disputes/);
    await waitFor(/Flaky, failures may be noise: Chargeback threat/);
    await waitFor(/Artifacts archived at/);
    const setDirs = (await readdir(join(dir, "archive", "runs"))).filter((name) => !name.endsWith(".html"));
    expect(setDirs).toHaveLength(1);
    const runDirs = (await readdir(join(dir, "archive", "runs", setDirs[0] as string))).filter((name) => !name.endsWith(".html"));
    const files = await readdir(join(dir, "archive", "runs", setDirs[0] as string, runDirs[0] as string));
    expect(files.sort()).toEqual(["artifacts.jsonl", "report.html", "run.json", "summary.md"]);
    const summary = await readFile(join(dir, "archive", "runs", setDirs[0] as string, runDirs[0] as string, "summary.md"), "utf8");
    expect(summary).toContain("# Billing disputes: failed");
    expect(summary).toMatch(/repetition \d of 2: scored \d, needs >= 4\. Judge: /);
  });

  it("prints the archive browser's address, which serves the demo run's folder", async () => {
    const url = (await waitFor(/Archive browser: (http:\/\/127\.0\.0\.1:\d+\/archive\/)/))[1]!;
    expect(url).toBe(`http://127.0.0.1:${port}/archive/`);
    const [setId] = await readdir(join(dir, "archive", "runs"));
    const [runId] = await readdir(join(dir, "archive", "runs", setId!));
    const summary = await fetch(`${url}${setId}/${runId}/summary.md`);
    expect(summary.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await summary.text()).toContain("# Billing disputes: failed");
    const artifact = await fetch(`${url}${setId}/${runId}/artifacts.jsonl`);
    expect(artifact.headers.get("content-disposition")).toBe('attachment; filename="artifacts.jsonl"');
    expect((await artifact.arrayBuffer()).byteLength).toBe((await readFile(join(dir, "archive", "runs", setId!, runId!, "artifacts.jsonl"))).byteLength);
    expect((await fetch(`${url}_simwatch/local-server.json`)).status).toBe(404);
    // The demo's card, once archived, links the run's report in this browser.
    const openReport = (await waitFor(/\[Open report\] (http:\/\/127\.0\.0\.1:\d+\/archive\/\S+)/))[1];
    expect(openReport).toBe(`${url}${setId}/${runId}/`);
    const report = await fetch(openReport!);
    expect(report.status).toBe(200);
    expect(report.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const reportHtml = await report.text();
    expect(reportHtml).toContain("Billing disputes");
    // Every unit test of the run by its name in the grid, the one that passed too.
    expect(reportHtml).toContain("Unrecognised charge from a family member");
    expect(reportHtml).not.toMatch(/Unit test [0-9a-f]{24}/);
    // The report's relative links resolve through the browser: its set's page and the archive's index.
    for (const page of [new URL("../", openReport).href, new URL("../../", openReport).href]) expect((await fetch(page)).status, page).toBe(200);
  });

  it("routes the demo run by its set's slack-channel tag and mentions its owners on failure only", async () => {
    // Billing disputes is tagged slack-channel #payments-alerts (C0PAYMENTS in the terminal's workspace) and owner @payments-oncall.
    await waitFor(/#C0PAYMENTS · message #\d+ · new message\n\s*│ ⏳ BILLING DISPUTES/);
    await waitFor(/#C0PAYMENTS · message #\d+ · updated in place\n\s*│ @S0PAYONCALL the run of Billing disputes failed\./);
    // Its unit test Double charge on renewal is tagged owner @dana: next to it in Why it failed.
    await waitFor(/#C0PAYMENTS · message #\d+ · in the thread of message #\d+\n\s*│ Why it failed[\s\S]*Double charge on renewal · owner: @U0DANA/);
    // Never while it runs: no message showing it running names an owner.
    const messages = output.split("┌─").slice(1);
    const whileRunning = messages.filter((message) => message.includes("Status: running"));
    expect(whileRunning.length).toBeGreaterThan(0);
    for (const message of whileRunning) expect(message).not.toMatch(/@S0PAYONCALL|@U0DANA/);
  });

  it("answers signed slash commands, refuses forged ones, and gives usage help for typos", async () => {
    const forged = await slash("run \"Checkout flows\"", "not-the-secret");
    expect(forged.status).toBe(401);

    const typo = await slash("lsit");
    expect(typo.status).toBe(200);
    expect(JSON.stringify(await typo.json())).toContain("Did you mean `list`?");

    const run = await slash("run Checkout flows");
    expect(run.status).toBe(200);
    expect(((await run.json()) as { response_type?: string }).response_type).toBe("ephemeral");
    await waitFor(/CHECKOUT FLOWS[\s\S]*Status: running/);
    expect(output).not.toMatch(/not-the-secret/);
  });

  it("prints a person's Home when a signed app_home_opened arrives, as Slack sends it", async () => {
    const body = JSON.stringify({
      token: "t",
      team_id: "T1",
      api_app_id: "A1",
      type: "event_callback",
      event_id: "Ev0E2EHOME",
      event_time: Math.floor(Date.now() / 1000),
      event: { type: "app_home_opened", user: "UE2EHOME", channel: "D1", tab: "home" },
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const send = (secret: string) =>
      fetch(`http://127.0.0.1:${port}/slack/events`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-slack-request-timestamp": timestamp, "x-slack-signature": signatureOf(secret, timestamp, body) },
        body,
      });
    expect((await send("not-the-secret")).status).toBe(401);
    expect((await send(LOCAL_SIGNING_SECRET)).status).toBe(200);
    await waitFor(/Home of @UE2EHOME · published[\s\S]*SETS THAT RAN IN THE LAST 7 DAYS[\s\S]*Checkout flows[\s\S]*YOUR LAST RUNS/);
  });

  it("stops cleanly on SIGINT, leaving no partial files", async () => {
    child.kill("SIGINT");
    expect(await exit).toBe(0);
    expect(output).toContain("simwatch stopped cleanly.");
    expect(existsSync(join(dir, "archive", "_simwatch", "local-server.json"))).toBe(false);
    const leftovers: string[] = [];
    const walk = async (folder: string) => {
      for (const entry of await readdir(folder, { withFileTypes: true })) {
        if (entry.isDirectory()) await walk(join(folder, entry.name));
        else if (/\.tmp|\.partial|~$/.test(entry.name)) leftovers.push(entry.name);
      }
    };
    await walk(join(dir, "archive", "runs"));
    expect(leftovers).toEqual([]);
  });

  it("printed no line holding the local signing secret or the simulator's credentials", () => {
    expect(output.split("\n").length).toBeGreaterThan(20);
    // The embedded simulator's key is its default one (functions/local/simulator/simulator.ts).
    expect(linesHolding([LOCAL_SIGNING_SECRET, "sim-api-key-0000000000000000"])).toEqual([]);
    expect(output).not.toMatch(/simtok_/);
  });
});

describe("simwatch serve with every secret configured", () => {
  const signingSecret = "e2e-signing-secret-6f1c0a9b2d";
  let amigo: RunningSimulator;
  let slack: SlackStub;
  let secretValues: string[];

  beforeAll(async () => {
    amigo = await startSimulator({ rateLimits: false, apiKey: "amigo-e2e-api-key-3e9a71", apiKeyId: "amigo-e2e-key-id-51bd", defaultOutcome: { durationMs: 2_000, artifactsDelayMs: 500, artifactBytes: 64 * 1024 } });
    slack = await startSlackStub({ token: "xoxb-e2e-4242-bot-token-8c7d" });
    secretValues = [signingSecret, slack.token, amigo.credentials.apiKey, amigo.credentials.apiKeyId];
    const archiveDir = join(await mkdtemp(join(tmpdir(), "simwatch-e2e-archive-")), "archive");
    await startServe(
      simwatchEnv(
        { sim: amigo, slack, channel: "C0DEFAULT", archiveDir },
        // Everything logged: every Amigo request, every event, every refusal.
        { SLACK_SIGNING_SECRET: signingSecret, SLACK_ALLOWED_USERS: "UE2E", SLACK_TEAM_ID: "T1", SIMWATCH_LOG_LEVEL: "info" },
      ),
    );
  });

  afterAll(async () => {
    if (child.exitCode === null) child.kill("SIGKILL");
    await slack?.close();
    await amigo?.close();
  });

  it("runs, archives and posts with them, refuses what it must, and never prints one", async () => {
    expect((await slash('run "Checkout flows"', "not-the-secret")).status).toBe(401);
    expect(await (await slash('run "Checkout flows"', signingSecret, { user_id: "UEVE" })).text()).toMatch(/Only/);
    expect(await (await slash("list", signingSecret, { team_id: "TOTHER" })).text()).toMatch(/SLACK_TEAM_ID/);
    const run = await slash('run "Checkout flows"', signingSecret, { response_url: slack.responseUrl("run"), channel_id: "C0E2E" });
    expect(run.status).toBe(200);
    await waitUntil(() => slack.responses.some((r) => r.id === "run"));
    const runId = /Started run `?([0-9a-f]{24})/.exec(JSON.stringify(slack.responses.find((r) => r.id === "run")?.body))?.[1];
    expect(runId).toBeDefined();
    await waitUntil(() => slack.channel("C0E2E").some((m) => m.history.length > 0 && /archived/i.test(JSON.stringify(m.blocks))));
    const setId = amigo.control.getRun(runId ?? "")?.simulation_unit_test_set_id ?? "";
    const key = `runs/${setId}/${runId}/artifacts.jsonl`;
    const click = buttonBody({ actionId: ACTION_IDS.download, value: JSON.stringify({ runId, setId, key }), userId: "UE2E", teamId: "T1", channelId: "C0E2E", responseUrl: slack.responseUrl("download") });
    const clicked = await fetch(`http://127.0.0.1:${port}/slack/interactions`, { method: "POST", body: click, headers: slackHeaders(signingSecret, click, Math.floor(Date.now() / 1000)) });
    expect(clicked.status).toBe(200);
    await waitUntil(() => slack.responses.some((r) => r.id === "download"));
    expect(JSON.stringify(slack.responses.find((r) => r.id === "download")?.body)).toContain(key);

    child.kill("SIGINT");
    expect(await exit).toBe(0);
    // The secrets were used: Amigo signed in with the key, Slack was called with the token.
    expect(output).toMatch(/"event":"amigo.signed_in"/);
    expect(slack.calls.filter((call) => call.authorization === `Bearer ${slack.token}`).length).toBeGreaterThan(0);
    expect(output).toMatch(/"event":"amigo.request"/);
    expect(output).toMatch(/"event":"slack.request.rejected"/);
    expect(linesHolding(secretValues)).toEqual([]);
    expect(output).not.toMatch(/simtok_/);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out; serve printed:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
