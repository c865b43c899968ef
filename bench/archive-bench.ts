/**
 * Archiving a large artifact served by the simulator into S3 (Ceph RGW on loopback): peak RSS
 * and throughput of the archiver process, next to a plain download of the same URL to nowhere.
 * Goal: peak RSS under 200 MB at 1 GiB, flat in file size; throughput at least half the plain one.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { startSimulator } from "../functions/local/simulator/index.js";
import { startRgw } from "../test/support/rgw.js";
import { externalS3Server } from "../test/support/s3-server.js";
import { freshBucket } from "../test/support/s3.js";
import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { createS3Client } from "../functions/archive/s3-client.js";

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL("./archive-child.ts", import.meta.url));

/** Empties the bucket between measurements: RGW's in-memory store holds about 2 GiB. */
async function emptyBucket(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (listed.Contents ?? []).flatMap((object) => (object.Key ? [{ Key: object.Key }] : []));
    if (keys.length === 0) return;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  }
}

/** Bundles the child like the Lambda functions are bundled, so its RSS is not tsx's. */
async function bundleChild(dir: string): Promise<string> {
  const outfile = join(dir, "archive-child.mjs");
  await build({
    entryPoints: [CHILD],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minify: true,
    mainFields: ["module", "main"],
    outfile,
    logLevel: "silent",
    banner: { js: "import { createRequire } from 'module';const require = createRequire(import.meta.url);" },
  });
  return outfile;
}

export async function runArchiveBench(say: (line: string) => void, sizes = [256 * 1024 * 1024, 1024 * 1024 * 1024]): Promise<void> {
  const external = externalS3Server(process.env);
  const rgw = external ? undefined : await startRgw();
  const s3 = external ?? rgw!;
  const sim = await startSimulator({ rateLimits: false, artifactUrlLifetimeMs: 60 * 60_000 });
  try {
    const client = createS3Client({ endpoint: s3.endpoint, region: s3.region, credentials: s3 });
    const bucket = await freshBucket(client, "bench");
    say(`Archiving artifacts served by the simulator into S3 (${external ? "external S3" : "Ceph RGW on loopback"}), each in a fresh process:`);
    const work = await mkdtemp(join(tmpdir(), "simwatch-bench-archive-"));
    const child = await bundleChild(work);
    for (const size of sizes) {
      const measure = async (mode: "plain" | "archive-s3" | "archive-fs" | "upload-only") => {
        const runId = sim.control.createRun({ set: "Checkout flows", outcome: { durationMs: 0, artifactsDelayMs: 0, artifactBytes: size } });
        sim.control.advance(1_000);
        const setId = sim.control.getRun(runId)?.simulation_unit_test_set_id ?? "";
        const input = JSON.stringify({ mode, size, dir: join(work, mode), amigo: { url: sim.url, ...sim.credentials }, runId, setId, s3: { ...s3, bucket } });
        await emptyBucket(client, bucket);
        const { stdout } = await run(process.execPath, ["--no-warnings", child, input], { maxBuffer: 1 << 20, timeout: 600_000 });
        return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as { bytes: number; seconds: number; maxRssMiB: number };
      };
      const mib = size / (1024 * 1024);
      const rate = (result: { bytes: number; seconds: number }) => result.bytes / (1024 * 1024) / result.seconds;
      const plain = await measure("plain");
      const line = (label: string, result: { bytes: number; seconds: number; maxRssMiB: number }) =>
        say(
          `  ${String(mib).padStart(5)} MiB  ${label.padEnd(30)} ${rate(result).toFixed(0).padStart(4)} MiB/s (${((rate(result) / rate(plain)) * 100).toFixed(0).padStart(3)}% of plain)  peak RSS ${result.maxRssMiB.toFixed(0)} MiB${result.bytes === size ? "" : `  ONLY ${result.bytes} bytes`}`,
        );
      line("plain download to nowhere", plain);
      line("archive to S3 (the archiver)", await measure("archive-s3"));
      line("archive to a folder", await measure("archive-fs"));
      // RGW's in-memory store frees deleted data only on garbage collection, so its own ceiling
      // is measured once, at the smallest size, to leave room for the archiver's 1 GiB.
      if (size === sizes[0]) line("S3 alone: upload, no download", await measure("upload-only"));
      await rm(join(work, "archive-fs"), { recursive: true, force: true });
    }
    await rm(work, { recursive: true, force: true });
    client.destroy();
  } finally {
    await sim.close();
    await rgw?.stop();
  }
}
