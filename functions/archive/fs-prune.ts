/**
 * Tidying a folder state store after old keys were deleted: temp and lock files left behind
 * by processes that died long ago, then folders left empty (a run's `done/<run>/` once its
 * markers expired). Only under one key prefix, never the prefix's own folder or anything
 * above it; a lock or temp file whose process still runs on this host is never touched.
 */
import { readdir, readFile, rm, rmdir, stat } from "node:fs/promises";
import { basename, join, relative, sep } from "node:path";
import { isMissing } from "./fs-atomic-write.js";
import { isReservedName, LOCK_SUFFIX, writerPidOfTemp } from "./fs-keys.js";
import { isProcessAlive, lockHolder } from "./fs-lock.js";

export interface SweepOptions {
  /** Leftovers last written before this go. */
  olderThan: Date;
  /** Younger leftovers may belong to a write in progress (the store's stale-lock age). */
  staleMs: number;
}

/** Removes abandoned temp and lock files and empty folders under `prefix` (a key prefix). */
export async function sweepPrefix(root: string, prefix: string, options: SweepOptions): Promise<void> {
  const folder = prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/")) : "";
  const start = folder === "" ? root : join(root, ...folder.split("/"));
  const keyOf = (path: string) => relative(root, path).split(sep).join("/");
  await sweepFolder(start, (path) => keyOf(path).startsWith(prefix), options);
}

/** Sweeps `folder` depth first; returns whether it is empty afterwards. */
async function sweepFolder(folder: string, inPrefix: (path: string) => boolean, options: SweepOptions): Promise<boolean> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
  let left = entries.length;
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (!inPrefix(entry.isDirectory() ? `${path}/` : path)) continue;
    const gone = entry.isDirectory()
      ? (await sweepFolder(path, inPrefix, options)) && (await removeIfEmpty(path))
      : isReservedName(entry.name) && (await removeIfAbandoned(path, options));
    if (gone) left--;
  }
  return left === 0;
}

async function removeIfAbandoned(path: string, { olderThan, staleMs }: SweepOptions): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) return true;
  if (info.mtimeMs >= olderThan.getTime() || Date.now() - info.mtimeMs <= staleMs) return false;
  if ((await holderOf(path)) === "alive") return false;
  await rm(path, { force: true });
  return true;
}

/** Whether the process that wrote a lock or temp file still runs (known for this host only). */
async function holderOf(path: string): Promise<"alive" | "gone" | "unknown"> {
  // A broken lock moved aside to be removed: nobody holds it.
  if (path.endsWith(".stale")) return "gone";
  if (path.endsWith(LOCK_SUFFIX)) return lockHolder(await readFile(path, "utf8").catch(() => ""));
  const writer = writerPidOfTemp(basename(path));
  if (writer === undefined) return "unknown";
  return isProcessAlive(writer) ? "alive" : "gone";
}

/**
 * A lock or temp file whose process is known to be dead is removed at once: a process killed
 * while deleting a key leaves a lock nobody would ever take again.
 */
export async function removeIfHolderGone(path: string): Promise<void> {
  if ((await holderOf(path)) === "gone") await rm(path, { force: true });
}

/** rmdir fails on a folder that is not empty, so one a writer has just used again stays. */
async function removeIfEmpty(path: string): Promise<boolean> {
  try {
    await rmdir(path);
    return true;
  } catch (error) {
    if (isMissing(error)) return true;
    if ((error as NodeJS.ErrnoException).code === "ENOTEMPTY" || (error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}
