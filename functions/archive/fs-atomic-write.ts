/**
 * Whole-file writes: a reader of the target path sees the old file or the new one, never part
 * of one. A process killed mid-write leaves its temp file; the next write of the same path
 * removes temp files whose writer process is gone.
 */
import { mkdir, open, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { isProcessAlive } from "./fs-lock.js";
import { tempPathBeside, writerPidOfTemp } from "./fs-keys.js";

/** Writes `chunks` to a temp file beside `path`, flushes it to disk, then renames it onto `path`. */
export async function writeAtomically(path: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await removeAbandonedTemps(path);
  const temp = tempPathBeside(path);
  const file = await open(temp, "wx");
  try {
    try {
      for await (const chunk of chunks) await file.write(chunk);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** Temp files beside `path` left by writers that died (their pid no longer exists). */
export async function removeAbandonedTemps(path: string): Promise<void> {
  const folder = dirname(path);
  const prefix = `${basename(path)}.`;
  const names = await readdir(folder).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = writerPidOfTemp(name);
    if (pid !== undefined && !isProcessAlive(pid)) await rm(join(folder, name), { force: true });
  }
}
