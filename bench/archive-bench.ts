/**
 * Archiving a large artifact served by the simulator into S3 (Ceph RGW on loopback): peak RSS
 * and throughput of the archiver process, next to a plain download of the same URL to nowhere.
 * Goal: peak RSS under 200 MB at 1 GiB, flat in file size; throughput at least half the plain one.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startSimulator } from "../functions/local/simulator/index.js";
import { startRgw } from "../test/support/rgw.js";
import { externalS3Server } from "../test/support/s3-server.js";
import { freshBucket } from "../test/support/s3.js";
import { createS3Client } from "../functions/archive/s3-client.js";

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL("./archive-child.ts", import.meta.url));

export async function runArchiveBench(say: (line: string) => void, sizes = [256 * 1024 * 1024, 1024 * 1024 * 1024]): Promise<void> {
  const external = externalS3Server(process.env);
  const rgw = external ? undefined : await startRgw();
  const s3 = external ?? rgw!;
  const sim = await startSimulator({ rateLimits: false, artifactUrlLifetimeMs: 60 * 60_000 });
  try {
    const client = createS3Client({ endpoint: s3.endpoint, region: s3.region, credentials: s3 });
    const bucket = await freshBucket(client, "bench");
    say(`Archiving artifacts served by the simulator into S3 (${external ? "external S3" : "Ceph RGW on loopback"}), each in a fresh process:`);
    for (const size of sizes) {
      const runId = sim.control.createRun({ set: "Checkout flows", outcome: { durationMs: 0, artifactsDelayMs: 0, artifactBytes: size } });
      sim.control.advance(1_000);
      const setId = sim.control.getRun(runId)?.simulation_unit_test_set_id ?? "";
      const input = (mode: "archive" | "plain") =>
        JSON.stringify({ mode, amigo: { url: sim.url, ...sim.credentials }, runId, setId, s3: { ...s3, bucket } });
      const measure = async (mode: "archive" | "plain") => {
        const { stdout } = await run(process.execPath, ["--import", "tsx", CHILD, input(mode)], { maxBuffer: 1 << 20 });
        return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as { bytes: number; seconds: number; maxRssMiB: number };
      };
      const plain = await measure("plain");
      const archived = await measure("archive");
      const mib = size / (1024 * 1024);
      const rate = (result: { bytes: number; seconds: number }) => result.bytes / (1024 * 1024) / result.seconds;
      say(`  ${String(mib).padStart(5)} MiB  plain download: ${rate(plain).toFixed(0)} MiB/s, peak RSS ${plain.maxRssMiB.toFixed(0)} MiB`);
      say(
        `  ${String(mib).padStart(5)} MiB  archive to S3:  ${rate(archived).toFixed(0)} MiB/s (${((rate(archived) / rate(plain)) * 100).toFixed(0)}% of plain), peak RSS ${archived.maxRssMiB.toFixed(0)} MiB, ${archived.bytes === size ? "all bytes" : `ONLY ${archived.bytes} bytes`}`,
      );
    }
    client.destroy();
  } finally {
    await sim.close();
    await rgw?.stop();
  }
}
