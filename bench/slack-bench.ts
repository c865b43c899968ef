/**
 * Slack benchmarks; prints figures, asserts nothing.
 * (a) Ack latency of /slack/commands over real loopback HTTP while the Command Accepted
 *     consumer is slow (the simulator takes 5 s to create each run): the app must not wait.
 * (b) Bundle size and cold import time of the slack-http handler (esbuild, minified, ESM,
 *     node22) next to a minimal Bolt for JavaScript app (AwsLambdaReceiver, one command),
 *     bundled the same way (as infra/constructs/simwatch-function.ts does: ESM builds first,
 *     everything bundled, which is how the stack deploys it), and with @aws-sdk/* and
 *     @smithy/* external for comparison.
 */
import { type ServerType, serve } from "@hono/node-server";
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createHmac } from "node:crypto";
import { MemoryStateStore } from "../test/support/memory-state-store.js";
import { createAmigoClient } from "../functions/amigo/index.js";
import { InProcessBus } from "../functions/bus/in-process-bus.js";
import { accessPolicy } from "../functions/core/access.js";
import { createCommandWorker } from "../functions/core/command-worker.js";
import { parseConfig } from "../functions/core/config.js";
import { silentLogger } from "../functions/core/log.js";
import { startSimulator } from "../functions/local/simulator/index.js";
import { TerminalChat } from "../functions/local/terminal-chat.js";
import { createSlackApp } from "../functions/slack/app.js";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

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

const BANNER = "import { createRequire } from 'module';const require = createRequire(import.meta.url);";

/** The deployed handler, exactly: functions/handlers/slack-http.ts. */
const HANDLER_ENTRY = `export * from "${join(ROOT, "functions/handlers/slack-http.ts")}";`;

const BOLT_ENTRY = `
import bolt from "@slack/bolt";
const { App, AwsLambdaReceiver } = bolt;
const receiver = new AwsLambdaReceiver({ signingSecret: process.env.SLACK_SIGNING_SECRET ?? "bench" });
// authorize instead of token: a token makes Bolt call auth.test at start-up, a network call.
const app = new App({ authorize: async () => ({ botToken: process.env.SLACK_BOT_TOKEN ?? "xoxb-bench" }), receiver });
app.command("/sim", async ({ ack }) => { await ack("Working on it"); });
export const handler = async (event, context, callback) => (await receiver.start())(event, context, callback);
`;

async function bundle(name: string, source: string, dir: string, awsSdk: "external" | "bundled"): Promise<string> {
  const entry = join(dir, `${name}-entry.mjs`);
  writeFileSync(entry, source);
  const outfile = join(dir, `${name}-${awsSdk}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    format: "esm",
    platform: "node",
    target: "node22",
    banner: { js: BANNER },
    external: awsSdk === "external" ? ["@aws-sdk/*", "@smithy/*"] : [],
    // As infra/constructs/simwatch-function.ts bundles: ESM builds first, so unused code shakes out.
    mainFields: ["module", "main"],
    nodePaths: [join(ROOT, "node_modules")],
    absWorkingDir: ROOT,
    logLevel: "silent",
  });
  return outfile;
}

/** Median wall time of importing `file` in a fresh node process (module evaluation included). */
function coldImport(file: string, runs = 7): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(`file://${file}`)}); process.stdout.write(String(performance.now() - t)); process.exit(0);`;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", SLACK_SIGNING_SECRET: "bench", AWS_REGION: "us-east-1", NODE_PATH: join(ROOT, "node_modules") },
      encoding: "utf8",
      timeout: 30_000,
    });
    times.push(Number(out));
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? Number.NaN;
}

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
      const entries: [string, string][] = [
        ["handlers/slack-http", HANDLER_ENTRY],
        ["bolt-minimal", BOLT_ENTRY],
      ];
      for (const [name, source] of entries) {
        const file = await bundle(name.replace(/[^\w-]+/g, "-"), source, dir, awsSdk);
        figures.push({ name, awsSdk, bytes: statSync(file).size, importMs: coldImport(file) });
      }
    }
    return figures;
  } finally {
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
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runSlackBench();
  process.exit(0);
}
