/**
 * A real `simwatch poll` (its own process group, folder archive) killed with SIGKILL in the
 * middle of a run's artifact file, then a second one run to the end: what each downloaded,
 * where the first had stored up to, and what the archive holds after. The simulator's
 * downloads are slowed until the kill so that it lands mid-file. Used by the resume test
 * (test/e2e/archive-resume.test.ts) and its bench (bench/archive-resume-bench.ts).
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSystemStateStore } from "../../functions/archive/fs-state-store.js";
import type { ArtifactCopy } from "../../functions/core/archiver/artifact-copy.js";
import { stateKeys } from "../../functions/core/idempotency/state-keys.js";
import { type LoggedRequest, startSimulator } from "../../functions/local/simulator/index.js";
import { ARCHIVE_PREFIX, archivedRunProblems, unfinishedFiles } from "./archive-audit.js";
import type { GroupProcess } from "./processes.js";
import { simwatchEnv, startSimwatch, waitUntil, type Wiring } from "./simwatch-cli.js";
import { startSlackStub } from "./slack-stub.js";

const MIB = 1024 * 1024;

export interface DownloadKill {
  fileBytes: number;
  /** Bytes the killed process had stored in parts (saved in state) when it died. */
  storedAtKill: number;
  /** Bytes the simulator had sent to it. */
  servedBeforeKill: number;
  /** Bytes the simulator sent in all, both processes. */
  servedInAll: number;
  /** Partial files in the archive right after the kill. */
  partialsAtKill: string[];
  downloads: LoggedRequest[];
  /** What is wrong with the archived run afterwards (none: byte for byte, sha256 included). */
  problems: string[];
  /** Temp, partial or lock files left anywhere under ARCHIVE_DIR afterwards. */
  leftovers: string[];
  /** Each process's exit code and output, for a failing assertion's message. */
  output: string;
}

export async function killMidDownload(options: { fileBytes: number; killAfterStoredBytes: number; throttleBytesPerSecond?: number }): Promise<DownloadKill> {
  const sim = await startSimulator({ rateLimits: false, defaultOutcome: { durationMs: 300, artifactsDelayMs: 0, artifactBytes: options.fileBytes } });
  const slack = await startSlackStub();
  const dir = await mkdtemp(join(tmpdir(), "simwatch-resume-"));
  const processes: GroupProcess[] = [];
  try {
    const wiring: Wiring = { sim, slack, channel: "C0RESUME", archiveDir: join(dir, "archive") };
    const cwd = join(dir, "cwd");
    await mkdir(cwd);
    const poll = () => {
      const child = startSimwatch(["poll"], { env: simwatchEnv(wiring), cwd });
      processes.push(child);
      return child;
    };
    const state = new FileSystemStateStore({ root: wiring.archiveDir });
    const stored = async (runId: string) => (await state.get<ArtifactCopy>(stateKeys.artifactCopy(runId)))?.value.upload?.storedBytes ?? 0;

    await poll().exit;
    const runId = sim.control.createRun({ set: "Checkout flows", outcome: { failing: [], errors: [] } });
    const setId = sim.control.getRun(runId)?.simulation_unit_test_set_id ?? "";
    await waitUntil(() => sim.control.getRun(runId)?.is_completed === true, { timeoutMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    sim.control.faults.throttleDownloads(options.throttleBytesPerSecond ?? 16 * MIB);

    const killed = poll();
    await waitUntil(async () => (await stored(runId)) >= options.killAfterStoredBytes, { timeoutMs: 60_000, everyMs: 10, stop: () => killed.exited !== undefined });
    await killed.kill();
    const storedAtKill = await stored(runId);
    // The simulator may send a last chunk before it sees the connection gone.
    let last = -1;
    await waitUntil(() => last === (last = sim.control.downloadedBytes()), { timeoutMs: 10_000, everyMs: 300 });
    const servedBeforeKill = sim.control.downloadedBytes();
    const partialsAtKill = await unfinishedFiles(join(wiring.archiveDir, ARCHIVE_PREFIX));

    sim.control.faults.throttleDownloads(undefined);
    const resumed = poll();
    const exit = await resumed.exit;
    const artifact = sim.control.expectedArtifact(runId);
    return {
      fileBytes: options.fileBytes,
      storedAtKill,
      servedBeforeKill,
      servedInAll: sim.control.downloadedBytes(),
      partialsAtKill,
      downloads: sim.control.requests("download"),
      problems: [...(exit.code === 0 ? [] : [`the second poll exited with ${exit.code}`]), ...(await archivedRunProblems(wiring.archiveDir, { runId, setId, artifact }))],
      leftovers: await unfinishedFiles(wiring.archiveDir),
      output: `killed:\n${killed.output()}\nresumed:\n${resumed.output()}`,
    };
  } finally {
    await Promise.all(processes.map((child) => child.kill()));
    await Promise.allSettled([sim.close(), slack.close()]);
    await rm(dir, { recursive: true, force: true });
  }
}
