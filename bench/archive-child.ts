/**
 * Runs in its own process so its peak RSS is its own: either archives a run into S3 with the
 * real archiver ("archive"), or downloads the same presigned URL to nowhere ("plain").
 * Prints one JSON line: { bytes, seconds, maxRssMiB }.
 */
import { createAmigoClient } from "../functions/amigo/index.js";
import { fetchDownloader } from "../functions/archive/artifact-download.js";
import { S3ArchiveStore } from "../functions/archive/s3-archive-store.js";
import { createS3Client } from "../functions/archive/s3-client.js";
import { S3StateStore } from "../functions/archive/s3-state-store.js";
import { archiveRun } from "../functions/core/archive-run.js";
import type { SimwatchEvent } from "../functions/core/events.js";
import { silentLogger } from "../functions/core/log.js";
import { systemClock } from "../functions/core/ports.js";

interface ChildInput {
  mode: "archive" | "plain";
  amigo: { url: string; orgId: string; apiKey: string; apiKeyId: string; userId: string };
  runId: string;
  setId: string;
  s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string; bucket: string };
}

const input = JSON.parse(process.argv[2] ?? "{}") as ChildInput;
const amigo = createAmigoClient({ baseUrl: input.amigo.url, credentials: input.amigo, timeoutMs: 600_000 });
const started = performance.now();
let bytes = 0;
if (input.mode === "plain") {
  const link = await amigo.getArtifactsLink(input.runId);
  const response = await fetch(link.presigned_url);
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) bytes += chunk.byteLength;
} else {
  const client = createS3Client({ endpoint: input.s3.endpoint, region: input.s3.region, credentials: input.s3 });
  const published: SimwatchEvent[] = [];
  const outcome = await archiveRun(
    {
      amigo,
      archive: new S3ArchiveStore({ client, bucket: input.s3.bucket }),
      state: new S3StateStore({ client, bucket: input.s3.bucket }),
      bus: { publish: async (events) => void published.push(...events) },
      download: fetchDownloader(),
      clock: systemClock,
      logger: silentLogger,
      archivePrefix: "runs/",
    },
    { runId: input.runId, setId: input.setId },
  );
  if (outcome.status !== "archived") throw new Error(`archive did not happen: ${outcome.status}`);
  bytes = outcome.detail.size;
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ bytes, seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
