/**
 * Slack benchmarks; prints figures, asserts nothing.
 * (a) Ack latency of /slack/commands over real loopback HTTP while the Command Accepted
 *     consumer is slow (the simulator takes 5 s to create each run): the app must not wait.
 * (b) Bundle size and cold import time of the slack-http handler next to a minimal Bolt for
 *     JavaScript app (AwsLambdaReceiver, one command), both bundled as the stack bundles a
 *     handler (bench/lambda-bundle.ts: everything bundled), and with @aws-sdk/* and @smithy/*
 *     external for comparison. The bundles bench measures all five handlers.
 * (c) The biggest run's messages (test/support/big-run.ts: 500 failing unit tests x 2 metrics x
 *     3 repetitions, long run errors, markup in names): blocks and block text characters per
 *     message next to Slack's limits, and render time.
 * (d) Peak RSS of the notifier handling that run in a process of its own (bundled as in
 *     Lambda), next to half the notifier's 256 MB.
 */
import { type ServerType, serve } from "@hono/node-server";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createHmac } from "node:crypto";
import { MemoryStateStore } from "../test/support/memory-state-store.js";
import { createAmigoClient } from "../functions/amigo/index.js";
import { InProcessBus } from "../functions/bus/in-process-bus.js";
import { accessPolicy } from "../functions/core/commands/access.js";
import { createCommandWorker } from "../functions/core/commands/command-worker.js";
import { parseConfig } from "../functions/core/config.js";
import { silentLogger } from "../functions/core/log.js";
import { startSimulator } from "../functions/local/simulator/index.js";
import { TerminalChat } from "../functions/local/terminal-chat.js";
import { createSlackApp } from "../functions/slack/app.js";
import { handlerEntry } from "../infra/paths.js";
import { build } from "esbuild";
import { execFile } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { FileSystemStateStore } from "../functions/archive/fs-state-store.js";
import { type ChatMessage, say as sayLine } from "../functions/core/chat.js";
import { stateKeys } from "../functions/core/idempotency/state-keys.js";
import { buildRunCard, whyItFailed } from "../functions/core/notifier/run-card.js";
import { JUSTIFICATION_KEPT } from "../functions/core/summary/judge-pages.js";
import { renderMessage } from "../functions/slack/blocks.js";
import { blockTextLength, LIMITS } from "../functions/slack/limits.js";
import { ESM_REQUIRE_BANNER } from "../infra/constructs/simwatch-function.js";
import { type BigRunOptions, bigRunSummary } from "../test/support/big-run.js";
import { startSlackStub } from "../test/support/slack-stub.js";
import { percentile } from "./figures.js";
import { type BundleEntry, bundleLambda, coldImportMs, ROOT } from "./lambda-bundle.js";

const ms = (value: number) => `${value.toFixed(2)} ms`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export async function ackLatency(requests = 1000, concurrency = 10): Promise<{ p50: number; p99: number; max: number; workerStarted: number; workerFinished: number }> {
  const secret = "bench-signing-secret";
  const sim = await startSimulator({ rateLimits: false });
  sim.control.faults.delayNext("createRun", { ms: 5000, count: Number.POSITIVE_INFINITY });
  const bus = new InProcessBus({ log: silentLogger, attempts: 1 });
  const worker = createCommandWorker({
    amigo: createAmigoClient({ baseUrl: sim.url, credentials: sim.credentials, timeoutMs: 30_000, rateLimitShare: false }),
    state: new MemoryStateStore(),
    chat: new TerminalChat({ write: () => undefined }),
    clock: { now: () => new Date() },
    access: accessPolicy(parseConfig({})),
  });
  let workerStarted = 0;
  let workerFinished = 0;
  const unsubscribe = bus.subscribe(
    "Command Accepted",
    async (event) => {
      workerStarted++;
      await worker.handle(event.detail).catch(() => undefined);
      workerFinished++;
    },
    { name: "slow-worker" },
  );
  const app = createSlackApp({ signingSecret: secret, bus, access: accessPolicy(parseConfig({})) });
  const server = await new Promise<ServerType>((done) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => done(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/commands`;

  const latencies: number[] = [];
  let next = 0;
  async function client(): Promise<void> {
    while (next < requests) {
      const i = next++;
      const body = new URLSearchParams({
        command: "/sim",
        text: 'run "Checkout flows"',
        user_id: "U0BENCH",
        channel_id: "C0BENCH",
        team_id: "T0BENCH",
        trigger_id: `bench.${i}.${Date.now()}`,
      }).toString();
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
      const started = performance.now();
      const response = await fetch(url, {
        method: "POST",
        body,
        headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": timestamp, "x-slack-signature": signature },
      });
      await response.text();
      latencies.push(performance.now() - started);
      if (response.status !== 200) throw new Error(`request ${i} answered ${response.status}`);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, client));

  unsubscribe();
  await new Promise<void>((done) => server.close(() => done()));
  sim.control.faults.clear();
  await Promise.race([sim.close(), new Promise((done) => setTimeout(done, 6000))]);
  const sorted = latencies.sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN, workerStarted, workerFinished };
}

const BOLT_ENTRY = `
import bolt from "@slack/bolt";
const { App, AwsLambdaReceiver } = bolt;
const receiver = new AwsLambdaReceiver({ signingSecret: process.env.SLACK_SIGNING_SECRET ?? "bench" });
// authorize instead of token: a token makes Bolt call auth.test at start-up, a network call.
const app = new App({ authorize: async () => ({ botToken: process.env.SLACK_BOT_TOKEN ?? "xoxb-bench" }), receiver });
app.command("/sim", async ({ ack }) => { await ack("Working on it"); });
export const handler = async (event, context, callback) => (await receiver.start())(event, context, callback);
`;

export interface BundleFigures {
  name: string;
  awsSdk: "external" | "bundled";
  bytes: number;
  importMs: number;
}

export async function bundleFigures(): Promise<BundleFigures[]> {
  const dir = mkdtempSync(join(ROOT, ".bench-slack-"));
  try {
    const figures: BundleFigures[] = [];
    for (const awsSdk of ["bundled", "external"] as const) {
      const entries: [string, BundleEntry][] = [
        ["handlers/slack-http", { path: handlerEntry("slack-http") }],
        ["bolt-minimal", { source: BOLT_ENTRY }],
      ];
      for (const [name, entry] of entries) {
        const bundle = await bundleLambda(`${name}-${awsSdk}`, entry, dir, awsSdk === "external" ? ["@aws-sdk/*", "@smithy/*"] : []);
        // Without --enable-source-maps, as this figure has always been taken (the bundles bench prints both).
        figures.push({ name, awsSdk, bytes: bundle.bytes, importMs: coldImportMs(bundle.file, { sourceMaps: false, env: { SLACK_SIGNING_SECRET: "bench", NODE_PATH: join(ROOT, "node_modules") } }) });
      }
    }
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface MessageFigures {
  name: string;
  blocks: number;
  blockText: number;
  /** Median render time over the runs, ms. */
  renderMs: number;
}

/** (c) Each of the big run's messages: its size next to Slack's limits, and how long it takes to render. */
export function bigRunMessageFigures(justificationChars: number, runs = 20): MessageFigures[] {
  const summary = bigRunSummary({ justificationChars });
  const facts = { runId: summary.runId, setId: summary.setId, verdict: summary.verdict, summary };
  const archive = { location: "s3://bench/runs/a/b/artifacts.zip", key: "runs/a/b/artifacts.zip", size: 1 << 20, sha256: "ab", contentType: "application/zip" };
  const mention = { kind: "group" as const, markup: "<!subteam^S0QA>", label: "@qa" };
  const messages: [string, () => ChatMessage][] = [
    ["card, failed, with mention", () => ({ kind: "run", card: buildRunCard(facts, { mention }) })],
    ["card, archived", () => ({ kind: "run", card: buildRunCard({ ...facts, archive }) })],
    ["Why it failed", () => ({ kind: "why", why: whyItFailed(facts)! })],
    ["mention ping", () => sayLine("error", [{ mention }, " the run of ", { bold: summary.setName }, " failed."])],
  ];
  return messages.map(([name, message]) => {
    const times: number[] = [];
    let rendered = renderMessage(message());
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      rendered = renderMessage(message());
      times.push(performance.now() - started);
    }
    return { name, blocks: rendered.blocks.length, blockText: blockTextLength(rendered.blocks), renderMs: percentile(times.sort((a, b) => a - b), 50) };
  });
}

const NOTIFIER_CHILD = fileURLToPath(new URL("./notifier-child.ts", import.meta.url));

/** (d) The notifier's peak RSS and wall time for the big run, in a bundled child process. */
export async function notifierPeakRss(run: BigRunOptions, nodeOptions: string[] = []): Promise<{ seconds: number; maxRssMiB: number; summaryMiB: number }> {
  const dir = mkdtempSync(join(ROOT, ".bench-notifier-"));
  const stub = await startSlackStub();
  try {
    const outfile = join(dir, "notifier-child.mjs");
    await build({ entryPoints: [NOTIFIER_CHILD], bundle: true, platform: "node", format: "esm", target: "node20", minify: true, mainFields: ["module", "main"], outfile, logLevel: "silent", banner: { js: ESM_REQUIRE_BANNER } });
    const summary = bigRunSummary(run);
    const state = join(dir, "state");
    await mkdir(state, { recursive: true });
    await new FileSystemStateStore({ root: state }).create(stateKeys.runSummary(summary.runId), summary);
    const summaryMiB = JSON.stringify(summary).length / (1024 * 1024);
    const input = { dir: state, apiUrl: stub.apiUrl, token: stub.token, runId: summary.runId, setId: summary.setId };
    const { stdout } = await promisify(execFile)(process.execPath, [...nodeOptions, outfile, JSON.stringify(input)], { cwd: ROOT, timeout: 300_000, maxBuffer: 1 << 20 });
    const refused = stub.refused.length;
    if (refused > 0) throw new Error(`Slack's stand-in refused ${refused} of the notifier's messages`);
    return { ...(JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as { seconds: number; maxRssMiB: number }), summaryMiB };
  } finally {
    await stub.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runSlackBench(): Promise<void> {
  console.log("Slack bench");
  const ack = await ackLatency();
  console.log(
    `(a) /slack/commands ack latency, 1000 signed requests, 10 concurrent, loopback, consumer blocked on a 5 s createRun: ` +
      `p50 ${ms(ack.p50)}, p99 ${ms(ack.p99)}, max ${ms(ack.max)} (meanwhile the worker picked up ${ack.workerStarted} command(s) and finished ${ack.workerFinished})`,
  );
  const figures = await bundleFigures();
  console.log("(b) esbuild bundle (minified, ESM, node22), cold import in a fresh node process (median of 7):");
  for (const f of figures) {
    console.log(`    ${f.name.padEnd(22)} @aws-sdk/* ${f.awsSdk.padEnd(8)} ${kb(f.bytes).padStart(9)}  import ${ms(f.importMs)}`);
  }
  await bigRunFigures();
}

/** (c) and (d): the big run's messages and the notifier's peak RSS handling it. */
export async function bigRunFigures(): Promise<void> {
  for (const justificationChars of [JUSTIFICATION_KEPT, 10_000]) {
    console.log(`(c) the big run (500 failing unit tests x 2 metrics x 3 repetitions, ${justificationChars}-character justifications); Slack allows ${LIMITS.blocks} blocks, refuses ~12,000 characters of block text, we keep under ${LIMITS.blockText}:`);
    for (const f of bigRunMessageFigures(justificationChars)) {
      console.log(`    ${f.name.padEnd(28)} ${String(f.blocks).padStart(2)} blocks, ${String(f.blockText).padStart(6)} characters of block text, rendered in ${ms(f.renderMs)} (median of 20)`);
    }
    const rss = await notifierPeakRss({ justificationChars });
    // V8 collects lazily: with its heap capped, the same work shows what it needs at least.
    const capped = await notifierPeakRss({ justificationChars }, ["--max-old-space-size=64"]).then(
      (figures) => `${figures.maxRssMiB.toFixed(0)} MiB`,
      () => "ran out of memory",
    );
    console.log(
      `(d) notifier, Run Started + Run Finished (summary of ${rss.summaryMiB.toFixed(1)} MiB by reference) + Run Archived, folder state, in its own process: ` +
        `peak RSS ${rss.maxRssMiB.toFixed(0)} MiB, ${rss.seconds.toFixed(1)} s; with the heap capped at 64 MB: ${capped} (half the notifier's 256 MB: 122 MiB)`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runSlackBench();
  process.exit(0);
}
