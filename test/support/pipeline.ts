/**
 * The poller and archiver wired to real parts for integration tests: the simulator over
 * loopback HTTP as Amigo, Ceph RGW (or a temp folder) for archive and state, and the
 * in-process bus recording what was published.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { httpDownloader } from "../../functions/archive/artifact-download.js";
import { FileSystemArchiveStore } from "../../functions/archive/fs-archive-store.js";
import { FileSystemStateStore } from "../../functions/archive/fs-state-store.js";
import { S3ArchiveStore } from "../../functions/archive/s3-archive-store.js";
import { S3StateStore } from "../../functions/archive/s3-state-store.js";
import { InProcessBus } from "../../functions/bus/in-process-bus.js";
import { type ArchiverOptions, archiveRun } from "../../functions/core/archiver/archive-run.js";
import { DEFAULT_ARCHIVE_MAX_BYTES } from "../../functions/core/config.js";
import { DETAIL_TYPES, type SimwatchEvent } from "../../functions/core/events.js";
import { silentLogger } from "../../functions/core/log.js";
import { type PollerOptions, pollOnce } from "../../functions/core/poller/poll.js";
import type { AmigoApi, ArchiveStore, StateStore } from "../../functions/core/ports.js";
import type { RunningSimulator } from "../../functions/local/simulator/index.js";
import { s3WithFreshBucket } from "./s3.js";
import { startTestSimulator, testClient } from "./simulator.js";

export interface Pipeline {
  sim: RunningSimulator;
  amigo: AmigoApi & { requestCounts(): Record<string, number> };
  state: StateStore;
  archive: ArchiveStore;
  bus: InProcessBus;
  events: SimwatchEvent[];
  bucket?: string;
  s3?: Awaited<ReturnType<typeof s3WithFreshBucket>>["client"];
  root?: string;
  poll(overrides?: Partial<PollerOptions>): ReturnType<typeof pollOnce>;
  /** What the archiver is wired with (for a test that subscribes its own archiver to the bus). */
  archiverOptions(overrides?: Partial<ArchiverOptions>): ArchiverOptions;
  archiveRun(target: { runId: string; setId: string }, overrides?: Partial<ArchiverOptions>): ReturnType<typeof archiveRun>;
  ofType(detailType: SimwatchEvent["detailType"]): SimwatchEvent[];
  close(): Promise<void>;
}

export async function startPipeline(options: { storage?: "s3" | "fs"; label?: string } = {}): Promise<Pipeline> {
  const sim = await startTestSimulator();
  const { client: amigo } = testClient(sim);
  let archive: ArchiveStore;
  let state: StateStore;
  let bucket: string | undefined;
  let s3: Pipeline["s3"];
  let root: string | undefined;
  if ((options.storage ?? "s3") === "s3") {
    const created = await s3WithFreshBucket(options.label ?? "pipeline");
    s3 = created.client;
    bucket = created.bucket;
    archive = new S3ArchiveStore({ client: s3, bucket });
    state = new S3StateStore({ client: s3, bucket });
  } else {
    root = await mkdtemp(join(tmpdir(), "simwatch-pipeline-"));
    archive = new FileSystemArchiveStore({ root });
    state = new FileSystemStateStore({ root });
  }
  const bus = new InProcessBus({ log: silentLogger });
  const events: SimwatchEvent[] = [];
  for (const detailType of DETAIL_TYPES) bus.subscribe(detailType, (event) => void events.push(event), { name: "recorder" });

  const pipeline: Pipeline = {
    sim,
    amigo,
    state,
    archive,
    bus,
    events,
    ...(bucket ? { bucket } : {}),
    ...(s3 ? { s3 } : {}),
    ...(root ? { root } : {}),
    async poll(overrides = {}) {
      const report = await pollOnce({ amigo, state, bus, clock: sim.control.clock, logger: silentLogger, giveUpAfterHours: 48, ...overrides });
      await bus.idle();
      return report;
    },
    archiverOptions: (overrides = {}) => ({
      amigo, archive, state, bus, download: httpDownloader({ amigoBaseUrl: sim.url, maxBytes: DEFAULT_ARCHIVE_MAX_BYTES }), clock: sim.control.clock, logger: silentLogger, archivePrefix: "runs/", ...overrides,
    }),
    async archiveRun(target, overrides = {}) {
      const outcome = await archiveRun(pipeline.archiverOptions(overrides), target);
      await bus.idle();
      return outcome;
    },
    ofType: (detailType) => events.filter((event) => event.detailType === detailType),
    async close() {
      await bus.close();
      await sim.close();
      s3?.destroy();
    },
  };
  return pipeline;
}

export const runIdsOf = (events: readonly SimwatchEvent[]) => events.map((event) => (event.detail as { runId: string }).runId).sort();
