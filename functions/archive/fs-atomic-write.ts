/** Whole-file writes: a reader of the target path sees the old file or the new one, never part of one. */
import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { tempPathBeside } from "./fs-keys.js";

/** Writes `chunks` to a temp file beside `path`, flushes it to disk, then renames it onto `path`. */
export async function writeAtomically(path: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
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
