/**
 * Bursts of slash commands against a real `simwatch serve` process as `npm start` runs it:
 * the embedded simulator with its published rate limits on, Slack as the stand-in (so each
 * command's response_url is a stand-in URL), the local signing secret. 1,000 signed commands
 * in 10 s, then: acknowledged, answered, answered wrongly (Amigo "unavailable", "slow down"
 * or an error), Amigo calls per minute by endpoint (serve's own log of every Amigo request,
 * since the embedded simulator lives inside that process), the time until the last answer,
 * and how long serve takes to exit after SIGINT.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PUBLISHED_RATE_LIMITS } from "../functions/amigo/endpoints.js";
import { LOCAL_SIGNING_SECRET } from "../functions/local/local-services.js";
import type { GroupProcess } from "../test/support/processes.js";
import { freePorts } from "../test/support/processes.js";
import { environmentWithoutSimwatch, startSimwatch, waitUntil } from "../test/support/simwatch-cli.js";
import { slackHeaders, type SlackStub, startSlackStub } from "../test/support/slack-stub.js";
import { formatCounts, percentile, type Say } from "./figures.js";

const COMMANDS = 1_000;
const BURST_MS = 10_000;
/** How long to wait for the answers (BENCH_BURST_WAIT_SECONDS); the default keeps the bench near 5 minutes. */
const ANSWER_WAIT_MS = 1000 * (Number(process.env.BENCH_BURST_WAIT_SECONDS) || 100);
const STOP_WAIT_MS = 30_000;
const SEED_SET_NAMES = ["Checkout flows", "Billing disputes", "Onboarding happy path", "Refund edge cases"];
/** An answer that blames Amigo or reports an error, where the command should simply have been answered. */
const WRONG_ANSWER = /unavailable|slow down|did not happen|answered with an error|went wrong|refused simwatch|lacks a permission|try again/i;

interface Burst {
  acked: number;
  ackMs: number[];
  sentAt: number;
}

interface AmigoRequest {
  at: number;
  endpoint: string;
  status: number | null;
}

async function startServe(slack: SlackStub, dir: string): Promise<{ serve: GroupProcess; url: string }> {
  const [port] = await freePorts(1);
  await mkdir(join(dir, "cwd"), { recursive: true });
  const env = {
    ...environmentWithoutSimwatch(),
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slack.apiUrl,
    ARCHIVE_DIR: join(dir, "archive"),
    PORT: String(port),
    // Every Amigo request as one log line: the embedded simulator's traffic, seen from outside.
    SIMWATCH_LOG_LEVEL: "info",
  };
  const serve = startSimwatch(["serve"], { env, cwd: join(dir, "cwd") });
  const url = `http://127.0.0.1:${port}`;
  const up = await waitUntil(async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.ok === true, { timeoutMs: 60_000, everyMs: 200, stop: () => serve.exited !== undefined });
  if (!up) throw new Error(`simwatch serve did not start:\n${serve.output().slice(-2000)}`);
  return { serve, url };
}

/** Sends `texts` as signed slash commands, evenly spread over BURST_MS, each with its own response_url. */
async function burst(url: string, slack: SlackStub, texts: readonly string[]): Promise<Burst> {
  const result: Burst = { acked: 0, ackMs: [], sentAt: Date.now() };
  const send = async (text: string, index: number) => {
    await new Promise((resolve) => setTimeout(resolve, (index * BURST_MS) / texts.length));
    const body = new URLSearchParams({
      command: "/sim",
      text,
      user_id: `UBURST${index % 25}`,
      channel_id: "CBURST",
      team_id: "TBURST",
      response_url: slack.responseUrl(`c${index}`),
      trigger_id: `burst.${index}.${Date.now()}`,
    }).toString();
    const started = performance.now();
    const response = await fetch(`${url}/slack/commands`, { method: "POST", body, headers: slackHeaders(LOCAL_SIGNING_SECRET, body, Math.floor(Date.now() / 1000)) }).catch(() => undefined);
    await response?.text();
    result.ackMs.push(performance.now() - started);
    if (response?.status === 200) result.acked++;
  };
  await Promise.all(texts.map(send));
  return result;
}

/** Each command's last answer at its response_url (a "try later" notice may come before it). */
function answersOf(slack: SlackStub, commands: number): { last: Map<number, string>; wrong: number; notices: number } {
  const last = new Map<number, string>();
  let wrong = 0;
  for (const response of slack.responses) {
    const index = Number(response.id.slice(1));
    if (!Number.isInteger(index) || index >= commands) continue;
    const text = response.body.text ?? JSON.stringify(response.body.blocks ?? []);
    if (WRONG_ANSWER.test(text)) wrong++;
    last.set(index, text);
  }
  return { last, wrong, notices: slack.responses.length - last.size };
}

function amigoRequestsOf(serve: GroupProcess): AmigoRequest[] {
  const requests: AmigoRequest[] = [];
  for (const line of serve.output().split("\n")) {
    if (!line.includes('"amigo.request"')) continue;
    try {
      const entry = JSON.parse(line) as { time: string; endpoint: string; status: number | null };
      requests.push({ at: Date.parse(entry.time), endpoint: entry.endpoint, status: entry.status });
    } catch {
      // not a log line
    }
  }
  return requests;
}

function sayAmigoPace(say: Say, requests: readonly AmigoRequest[], from: number): void {
  const minutes = new Map<number, Partial<Record<string, number>>>();
  for (const { at, endpoint } of requests) {
    if (at < from) continue;
    const minute = Math.floor((at - from) / 60_000);
    const counts = minutes.get(minute) ?? {};
    counts[endpoint] = (counts[endpoint] ?? 0) + 1;
    minutes.set(minute, counts);
  }
  for (const [minute, counts] of [...minutes.entries()].sort((a, b) => a[0] - b[0])) say(`    minute ${minute + 1}: ${formatCounts(counts)}`);
  const limited = requests.filter((request) => request.at >= from && request.status === 429).length;
  say(`    published limits a minute: ${Object.entries(PUBLISHED_RATE_LIMITS).map(([endpoint, limit]) => `${endpoint} ${limit}`).join(", ")}; HTTP 429 answers: ${limited}`);
}

/** The commonest answers, ids and numbers blurred, so a reader sees what users were told. */
function answerKinds(last: Map<number, string>, top = 4): string {
  const kinds = new Map<string, number>();
  for (const text of last.values()) {
    const kind = text.replace(/[0-9a-f]{24}/g, "<id>").replace(/\d+/g, "#").slice(0, 70);
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  return [...kinds.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([kind, count]) => `${count} x "${kind}"`).join("; ");
}

function lastAnswer(sentAt: number, lastAnswerAt: number, answered: number, commands: number): string {
  const seconds = (lastAnswerAt - sentAt) / 1000;
  if (answered >= commands) return `${seconds.toFixed(1)} s after the first command`;
  const projected = (seconds * commands) / Math.max(1, answered);
  return `not reached: ${answered} answered in ${seconds.toFixed(0)} s (stopped waiting after ${ANSWER_WAIT_MS / 1000} s); at that pace the last would come about ${(projected / 60).toFixed(0)} min after the first command`;
}

async function stopTime(serve: GroupProcess): Promise<string> {
  const started = Date.now();
  process.kill(serve.pid, "SIGINT");
  const exited = await Promise.race([serve.exit.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), STOP_WAIT_MS))]);
  if (!exited) await serve.kill();
  return exited ? `${((Date.now() - started) / 1000).toFixed(1)} s` : `still running after ${STOP_WAIT_MS / 1000} s (killed)`;
}

async function scenario(say: Say, label: string, texts: readonly string[]): Promise<void> {
  const slack = await startSlackStub();
  const dir = await mkdtemp(join(tmpdir(), "simwatch-bench-burst-"));
  try {
    const { serve, url } = await startServe(slack, dir);
    const sent = await burst(url, slack, texts);
    await waitUntil(() => answersOf(slack, texts.length).last.size >= texts.length, { timeoutMs: ANSWER_WAIT_MS, everyMs: 250, stop: () => serve.exited !== undefined });
    const lastAnswerAt = Math.max(...slack.responses.map((response) => response.at));
    const { last, wrong, notices } = answersOf(slack, texts.length);
    const ack = [...sent.ackMs].sort((a, b) => a - b);
    say(`  ${label}:`);
    say(`    acknowledged ${sent.acked} of ${texts.length} (ack p50 ${percentile(ack, 50).toFixed(0)} ms, p99 ${percentile(ack, 99).toFixed(0)} ms)`);
    say(`    answered ${last.size}; answered wrongly ${wrong} (answers that blame Amigo or report an error, "try later" notices included: ${notices} extra answer(s))`);
    say(`    time until the last answer: ${lastAnswer(sent.sentAt, lastAnswerAt, last.size, texts.length)}`);
    say(`    answers: ${answerKinds(last)}`);
    say(`    Amigo calls by minute since the first command (serve's log of its requests to the embedded simulator):`);
    sayAmigoPace(say, amigoRequestsOf(serve), sent.sentAt);
    say(`    serve exits ${await stopTime(serve)} after SIGINT`);
  } finally {
    await slack.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const quoted = (index: number) => `"${SEED_SET_NAMES[index % SEED_SET_NAMES.length]}"`;

/** list / status / run, each over the seed sets: half lists, over a third statuses, a few runs. */
function mixedCommand(index: number): string {
  if (index % 50 === 0) return `run ${quoted(index / 50)}`;
  if (index % 5 < 2) return index % 2 === 0 ? "status" : `status ${quoted(index)}`;
  return index % 3 === 0 ? "list" : index % 3 === 1 ? `list ${quoted(index)}` : `list ${quoted(index)} --failed`;
}

export async function runCommandBurstBench(say: Say): Promise<void> {
  say(`${COMMANDS} signed slash commands in ${BURST_MS / 1000} s against \`node bin/simwatch.js serve\` (embedded simulator, published rate limits on; Slack stand-in for response_url):`);
  await scenario(say, `${COMMANDS} x /sim list`, Array.from({ length: COMMANDS }, () => "list"));
  await scenario(say, `${COMMANDS} mixed (list, list <set>, list <set> --failed, status, status <set>, 1 in 50 run <set>, over the 4 seed sets)`, Array.from({ length: COMMANDS }, (_, index) => mixedCommand(index)));
}
