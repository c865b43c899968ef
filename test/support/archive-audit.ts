/**
 * Reads a folder archive (ARCHIVE_DIR) the way a person browsing it would, and says what is
 * wrong in words: a run folder missing its files, an artifact file that is not byte for byte
 * what Amigo served, and files no finished write would leave (temp and lock files).
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { isReservedName } from "../../functions/archive/fs-keys.js";
import type { ArtifactDigest } from "../../functions/local/simulator/index.js";
import { STATE_ROOT } from "../../functions/core/idempotency/state-keys.js";

export const ARCHIVE_PREFIX = "runs/";
const ARTIFACTS_FILE = "artifacts.jsonl";
const RUN_FILES = [ARTIFACTS_FILE, "run.json", "summary.md", "report.html"];

export interface ArchivedRun {
  runId: string;
  setId: string;
  artifact: ArtifactDigest;
}

export const runFolder = (archiveDir: string, run: Pick<ArchivedRun, "runId" | "setId">) => join(archiveDir, ARCHIVE_PREFIX, run.setId, run.runId);
export const artifactPath = (archiveDir: string, run: Pick<ArchivedRun, "runId" | "setId">) => join(runFolder(archiveDir, run), ARTIFACTS_FILE);

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** What is wrong with one run's folder; empty when it holds its four files and the artifact is exact. */
export async function archivedRunProblems(archiveDir: string, run: ArchivedRun): Promise<string[]> {
  const folder = runFolder(archiveDir, run);
  const size = await sizeOf(join(folder, ARTIFACTS_FILE));
  if (size === undefined) return [`never archived (Artifacts Ready lost, or its archiving abandoned): no ${ARTIFACTS_FILE} in ${relative(archiveDir, folder)}/`];
  const problems: string[] = [];
  if (size !== run.artifact.size) problems.push(`${ARTIFACTS_FILE} has ${size} of ${run.artifact.size} bytes`);
  else if ((await sha256Of(join(folder, ARTIFACTS_FILE))) !== run.artifact.sha256) problems.push(`${ARTIFACTS_FILE} differs from what Amigo served (sha256)`);
  for (const file of RUN_FILES.slice(1)) {
    if ((await sizeOf(join(folder, file))) === undefined) problems.push(`archived without ${file}`);
  }
  return [...problems, ...(await pageProblems(archiveDir, run))];
}

/** The run is listed on its set's page, and the set on the archive's index. */
async function pageProblems(archiveDir: string, run: Pick<ArchivedRun, "runId" | "setId">): Promise<string[]> {
  const read = (path: string) => readFile(path, "utf8").catch(() => "");
  const problems: string[] = [];
  if (!(await read(join(archiveDir, ARCHIVE_PREFIX, run.setId, "index.html"))).includes(`href="${run.runId}/report.html"`)) problems.push(`run ${run.runId} not listed on its set's index.html`);
  if (!(await read(join(archiveDir, ARCHIVE_PREFIX, "index.html"))).includes(`href="${run.setId}/index.html"`)) problems.push(`set ${run.setId} not listed on the archive's index.html`);
  return problems;
}

async function* filesUnder(folder: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else yield path;
  }
}

/** Temp and lock files anywhere under the folder, relative to it: left by a write that never finished. */
export async function unfinishedFiles(archiveDir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const path of filesUnder(archiveDir)) {
    if (isReservedName(path.slice(path.lastIndexOf("/") + 1))) found.push(relative(archiveDir, path));
  }
  return found.sort();
}

/**
 * Files that should not be there: unfinished writes anywhere, and in the browsable archive
 * anything but the files of the runs in `runs`, their sets' pages and the archive's index.
 */
export async function strayFiles(archiveDir: string, runs: readonly Pick<ArchivedRun, "runId" | "setId">[]): Promise<string[]> {
  const pages = [join(archiveDir, ARCHIVE_PREFIX, "index.html"), ...runs.map((run) => join(archiveDir, ARCHIVE_PREFIX, run.setId, "index.html"))];
  const expected = new Set([...pages, ...runs.flatMap((run) => RUN_FILES.map((file) => join(runFolder(archiveDir, run), file)))]);
  const stray = new Set(await unfinishedFiles(archiveDir));
  for await (const path of filesUnder(join(archiveDir, ARCHIVE_PREFIX))) {
    if (!expected.has(path)) stray.add(relative(archiveDir, path));
  }
  return [...stray].sort();
}

/** Files under simwatch's state folder written since `sinceMs` (Date.now() time), relative to ARCHIVE_DIR. */
export async function stateWrittenSince(archiveDir: string, sinceMs: number, under = ""): Promise<{ path: string; at: number }[]> {
  const written: { path: string; at: number }[] = [];
  for await (const path of filesUnder(join(archiveDir, STATE_ROOT, under))) {
    const info = await stat(path).catch(() => undefined);
    if (info && info.mtimeMs >= sinceMs) written.push({ path: relative(archiveDir, path), at: info.mtimeMs });
  }
  return written;
}
