/**
 * The archive browser: archive-web's bundle (size, cold import in a fresh node process, as the
 * stack bundles it), and page loads on loopback: 50 clients at once, each loading the archive's
 * index, a set's page, a run's report and its summary.md over and over, from the demo archive
 * (test/support/demo-archive.ts: 3 sets, 58 runs, pages as the archiver writes them). Once as
 * `simwatch serve` mounts it (no sign-in), once as archive-web serves it (the session cookie
 * checked on every request), both on the folder store.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type ServerType, serve } from "@hono/node-server";
import type { Hono } from "hono";
import { FileSystemArchiveStore } from "../functions/archive/fs-archive-store.js";
import { createArchiveBrowser } from "../functions/archive/web/archive-browser.js";
import { createArchiveWeb } from "../functions/archive/web/archive-web.js";
import { SignedTokens } from "../functions/archive/web/signed-tokens.js";
import { accessPolicy } from "../functions/core/commands/access.js";
import { parseConfig } from "../functions/core/config.js";
import { systemClock } from "../functions/core/ports.js";
import { handlerEntry } from "../infra/paths.js";
import { DEMO_PREFIX, writeDemoArchive } from "../test/support/demo-archive.js";
import { percentile, type Say } from "./figures.js";
import { bundleLambda, coldImportMs, ROOT } from "./lambda-bundle.js";

const CLIENTS = 50;
const ROUNDS = 20;
const COOKIE_KEY = "archive-web-bench-cookie-key-0123456789abcdef";

function listen(app: Hono): Promise<{ url: string; server: ServerType }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => resolve({ url: `http://127.0.0.1:${info.port}`, server }));
  });
}

async function close(server: ServerType): Promise<void> {
  if ("closeAllConnections" in server) server.closeAllConnections();
  await new Promise<void>((done) => server.close(() => done()));
}

/** Every client loads `paths` ROUNDS times, one page after another; returns each load's milliseconds. */
async function load(base: string, paths: readonly string[], headers: Record<string, string>): Promise<{ times: number[]; bytes: number; wallMs: number }> {
  const times: number[] = [];
  let bytes = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        for (const path of paths) {
          const t = performance.now();
          const answer = await fetch(`${base}${path}`, { headers });
          const body = await answer.arrayBuffer();
          if (answer.status !== 200) throw new Error(`${path} answered ${answer.status}`);
          times.push(performance.now() - t);
          bytes += body.byteLength;
        }
      }
    }),
  );
  return { times: times.sort((a, b) => a - b), bytes, wallMs: performance.now() - started };
}

async function measure(say: Say, label: string, app: Hono, paths: readonly string[], headers: Record<string, string> = {}): Promise<void> {
  const { url, server } = await listen(app);
  try {
    await load(url, paths, headers); // warm: JIT, file cache, keep-alive connections
    const { times, bytes, wallMs } = await load(url, paths, headers);
    const ms = (value: number) => `${value.toFixed(1)} ms`;
    say(
      `  ${label.padEnd(34)} ${String(times.length).padStart(5)} loads  p50 ${ms(percentile(times, 50)).padStart(8)}  p99 ${ms(percentile(times, 99)).padStart(8)}  max ${ms(times.at(-1) ?? 0).padStart(8)}  ${(times.length / (wallMs / 1000)).toFixed(0)} loads/s  ${(bytes / wallMs / 1024).toFixed(0)} MB/s`,
    );
  } finally {
    await close(server);
  }
}

export async function runArchiveWebBench(say: Say): Promise<void> {
  const dir = mkdtempSync(join(ROOT, ".bench-archive-web-"));
  try {
    const bundle = await bundleLambda("archive-web", { path: handlerEntry("archive-web") }, dir);
    const deployed = coldImportMs(bundle.file, { sourceMaps: true });
    const plain = coldImportMs(bundle.file, { sourceMaps: false });
    say(`archive-web bundle: ${(bundle.bytes / 1024).toFixed(1)} KB code, ${(bundle.sourceMapBytes / 1024).toFixed(1)} KB source map; cold import ${deployed.toFixed(0)} ms with --enable-source-maps (deployed) / ${plain.toFixed(0)} ms without (median of 7 fresh node processes)`);

    const demo = await writeDemoArchive(join(dir, "archive"));
    const reader = new FileSystemArchiveStore({ root: demo.root });
    const { setId, runId } = demo.featured;
    const paths = ["/archive/", `/archive/${setId}/`, `/archive/${setId}/${runId}/`, `/archive/${setId}/${runId}/summary.md`];
    const keys = ["index.html", `${setId}/index.html`, `${setId}/${runId}/report.html`, `${setId}/${runId}/summary.md`].map((key) => `${DEMO_PREFIX}${key}`);
    const sizes = await Promise.all(keys.map(async (key) => (await reader.stat(key))?.size ?? 0));
    say(`${CLIENTS} clients at once on loopback, each loading the index, a set's page (40 runs), a run's report and its summary.md ${ROUNDS} times (pages of ${sizes.map((size) => `${(size / 1024).toFixed(0)} KB`).join(", ")}):`);
    await measure(say, "simwatch serve (/archive/, no sign-in)", createArchiveBrowser({ reader, archivePrefix: DEMO_PREFIX }), paths);

    const issuer = "https://slack.com";
    const app = createArchiveWeb({
      reader,
      archivePrefix: DEMO_PREFIX,
      signIn: { clientId: "bench", clientSecret: "bench", cookieKey: COOKIE_KEY, issuer, access: accessPolicy(parseConfig({ SLACK_TEAM_ID: "T0BENCH" })) },
    });
    const session = await new SignedTokens(COOKIE_KEY, systemClock).sign("session", { sub: "U0BENCH", team: "T0BENCH" }, 3600);
    await measure(say, "archive-web (session checked)", app, paths, { cookie: `__Host-simwatch_session=${session}` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
