/**
 * Archiving a large artifact served by the simulator into S3 (Ceph RGW on loopback): peak RSS
 * and throughput of the archiver process, next to a plain download of the same URL to nowhere
 * and to a plain Upload of as many bytes with no download (what the S3 server itself accepts).
 * Goals: the archiver at least 80% of the plain Upload's rate; peak RSS under 200 MB, flat from
 * 256 MiB to 1 GiB. On a machine of two cores the three processes (simulator, archiver, Ceph)
 * share the CPU and one measurement swings by a third, so the two are compared over ROUNDS
 * rounds, each on a fresh gateway (its in-memory store frees deleted data only on garbage
 * collection), in alternating order, by their medians. BENCH_CPU_PROF=<dir> profiles the archiver and the plain Upload there
 * (node --cpu-prof, the child bundled unminified so functions keep their names) and prints where
 * their time went.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { startSimulator } from "../functions/local/simulator/index.js";
import { startRgw } from "../test/support/rgw.js";
import { externalS3Server, type S3TestServer } from "../test/support/s3-server.js";
import { freshBucket } from "../test/support/s3.js";
import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { percentile } from "./figures.js";
import { createS3Client } from "../functions/archive/s3-client.js";
import { profileSummary } from "./cpu-profile.js";

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL("./archive-child.ts", import.meta.url));

/** Empties the bucket between measurements on an external server. */
async function emptyBucket(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (listed.Contents ?? []).flatMap((object) => (object.Key ? [{ Key: object.Key }] : []));
    if (keys.length === 0) return;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  }
}

/** Bundles the child like the Lambda functions are bundled, so its RSS is not tsx's. */
async function bundleChild(dir: string, forProfiling: boolean): Promise<string> {
  const outfile = join(dir, "archive-child.mjs");
  await build({
    entryPoints: [CHILD],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minify: !forProfiling,
    keepNames: forProfiling,
    mainFields: ["module", "main"],
    outfile,
    logLevel: "silent",
    banner: { js: "import { createRequire } from 'module';const require = createRequire(import.meta.url);" },
  });
  return outfile;
}

type Mode = "plain" | "archive-s3" | "archive-fs" | "upload-only";
interface Measured {
  bytes: number;
  seconds: number;
  maxRssMiB: number;
  /** CPU seconds (user + system) per GiB moved: the child's own, the simulator's, the S3 server's. */
  cpu: { child: number; simulator: number; s3: number };
}
interface Bucket {
  s3: S3TestServer & { pids?: number[] };
  client: S3Client;
  bucket: string;
}
const MIB = 1024 * 1024;

/** CPU seconds the processes have used so far (Linux /proc; 0 where it cannot be read). */
function cpuSecondsOf(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
    } catch {
      // Not Linux, or the process is gone.
    }
  }
  return ticks / 100;
}
const ownCpuSeconds = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};
const ROUNDS = 3;
const rateOf = (result: Measured) => result.bytes / MIB / result.seconds;
const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);

/** A bucket on a fresh gateway (or on the external server, emptied), for one round. */
async function withBucket<T>(use: (target: Bucket) => Promise<T>): Promise<T> {
  const external = externalS3Server(process.env);
  const rgw = external ? undefined : await startRgw();
  const s3 = external ?? rgw!;
  const client = createS3Client({ endpoint: s3.endpoint, region: s3.region, credentials: s3 });
  try {
    const bucket = await freshBucket(client, "bench");
    const result = await use({ s3, client, bucket });
    if (external) await emptyBucket(client, bucket);
    return result;
  } finally {
    client.destroy();
    await rgw?.stop();
  }
}

/** "CPU s/GiB: ours 4.1, simulator 1.2, S3 6.3" (medians), the S3 part only where one was used. */
function cpuText(results: Measured[]): string {
  const of = (part: keyof Measured["cpu"]) => median(results.map((result) => result.cpu[part])).toFixed(1);
  const s3 = results.some((result) => result.cpu.s3 > 0) ? `, S3 ${of("s3")}` : "";
  return `CPU s/GiB: this process ${of("child")}, simulator ${of("simulator")}${s3}`;
}

export async function runArchiveBench(say: (line: string) => void, sizes = [256 * MIB, 1024 * MIB]): Promise<void> {
  const sim = await startSimulator({ rateLimits: false, artifactUrlLifetimeMs: 60 * 60_000 });
  const profileDir = process.env.BENCH_CPU_PROF;
  const work = await mkdtemp(join(tmpdir(), "simwatch-bench-archive-"));
  try {
    say(`Archiving artifacts served by the simulator into S3 (${externalS3Server(process.env) ? "external S3" : "Ceph RGW on loopback"}), each in a fresh process:`);
    const child = await bundleChild(work, profileDir !== undefined);
    const profiles: string[] = [];
    const measure = async (mode: Mode, size: number, target?: Bucket): Promise<Measured> => {
      const runId = sim.control.createRun({ set: "Checkout flows", outcome: { durationMs: 0, artifactsDelayMs: 0, artifactBytes: size } });
      sim.control.advance(1_000);
      const setId = sim.control.getRun(runId)?.simulation_unit_test_set_id ?? "";
      const s3 = target ? { ...target.s3, bucket: target.bucket } : undefined;
      const input = JSON.stringify({ mode, size, dir: join(work, mode), amigo: { url: sim.url, ...sim.credentials }, runId, setId, s3 });
      const tag = `${mode}-${size / MIB}MiB`;
      const profiled = profileDir !== undefined && (mode === "archive-s3" || mode === "upload-only") && !profiles.some((line) => line.includes(tag));
      const dir = join(profileDir ?? work, tag);
      const nodeArgs = profiled ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [];
      const s3Pids = target?.s3.pids ?? [];
      const before = { simulator: ownCpuSeconds(), s3: cpuSecondsOf(s3Pids) };
      const { stdout } = await run(process.execPath, [...nodeArgs, "--no-warnings", child, input], { maxBuffer: 1 << 20, timeout: 600_000 });
      if (profiled) profiles.push(`  ${tag}: ${profileSummary(dir, 10)}`);
      const result = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Omit<Measured, "cpu"> & { cpuSeconds: number };
      const perGiB = (seconds: number) => (seconds * 1024 * MIB) / result.bytes;
      return {
        ...result,
        cpu: { child: perGiB(result.cpuSeconds), simulator: perGiB(ownCpuSeconds() - before.simulator), s3: perGiB(cpuSecondsOf(s3Pids) - before.s3) },
      };
    };
    const line = (size: number, label: string, results: Measured[], extra = "") => {
      const short = results.find((result) => result.bytes !== size);
      const rates = results.map(rateOf);
      const spread = results.length > 1 ? ` (${Math.min(...rates).toFixed(0)}-${Math.max(...rates).toFixed(0)})` : "";
      say(
        `  ${String(size / MIB).padStart(5)} MiB  ${label.padEnd(36)} ${median(rates).toFixed(0).padStart(4)} MiB/s${spread.padEnd(10)} peak RSS ${Math.max(...results.map((r) => r.maxRssMiB)).toFixed(0).padStart(3)} MiB  ${cpuText(results)}${extra}${short ? `  ONLY ${short.bytes} bytes` : ""}`,
      );
    };
    let uploadRate: number | undefined;
    for (const size of sizes) {
      line(size, "plain download to nowhere", [await measure("plain", size)]);
      const uploads: Measured[] = [];
      const archives: Measured[] = [];
      // The plain Upload only at the first size: the comparison needs it once, and a 1 GiB
      // Upload next to a 1 GiB archive would not fit the gateway's in-memory store.
      const rounds = size === sizes[0] ? ROUNDS : 1;
      for (let round = 0; round < rounds; round++) {
        await withBucket(async (target) => {
          const pair: Mode[] = rounds === 1 ? ["archive-s3"] : round % 2 === 0 ? ["upload-only", "archive-s3"] : ["archive-s3", "upload-only"];
          for (const mode of pair) (mode === "upload-only" ? uploads : archives).push(await measure(mode, size, target));
        });
      }
      if (uploads.length > 0) {
        uploadRate = median(uploads.map(rateOf));
        line(size, "S3 alone: plain Upload, no download", uploads);
      }
      const ratio = uploadRate === undefined ? "" : `  ${((median(archives.map(rateOf)) / uploadRate) * 100).toFixed(0)}% of the plain Upload's rate${uploads.length > 0 ? "" : ` at ${sizes[0]! / MIB} MiB`} (goal 80%)`;
      line(size, "archive to S3 (the archiver)", archives, ratio);
      line(size, "archive to a folder", [await measure("archive-fs", size)]);
      await rm(join(work, "archive-fs"), { recursive: true, force: true });
    }
    say(`  (medians of ${ROUNDS} rounds at ${sizes[0]! / MIB} MiB, lowest-highest in brackets; each round on a fresh gateway, the two in alternating order)`);
    if (profiles.length > 0) say(`Where the time went (CPU profiles in ${profileDir}):\n${profiles.join("\n")}`);
  } finally {
    await rm(work, { recursive: true, force: true });
    await sim.close();
  }
}
