/**
 * StateStore in a folder (ARCHIVE_DIR), safe across processes, so consecutive or
 * overlapping `simwatch poll` runs behave like Lambdas sharing a bucket:
 * - create writes a temp file and link()s it to the key: link fails if the key exists,
 *   atomically, like `If-None-Match: *`;
 * - replace and delete run under the key's lock file (fs-lock.ts): compare the version,
 *   then rename a temp file onto the key (or unlink it), like `If-Match`;
 * - readers need no lock: rename is atomic, so they see the old file or the new one;
 * - prune deletes expired keys under their locks, the way the bucket's lifecycle rules do.
 * Versions are hashes of the stored bytes (state-codec.ts).
 */
import { link, mkdir, readdir, readFile, rm, stat, unlink } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import type { StateStore, Versioned } from "../core/ports.js";
import { StateLockTimeoutError } from "./errors.js";
import { isMissing, removeAbandonedTemps, writeAtomically } from "./fs-atomic-write.js";
import { isReservedName, LOCK_SUFFIX, pathOfKey, tempPathBeside } from "./fs-keys.js";
import { type LockOptions, lockHolder, withFileLock } from "./fs-lock.js";
import { sweepPrefix } from "./fs-prune.js";
import { decodeState, encodeState, versionOf } from "./state-codec.js";
import { removeIfHolderGone } from "./fs-prune.js";

export interface FileSystemStateStoreOptions {
  /** The folder keys are relative to (ARCHIVE_DIR; keys start with `_simwatch/`). */
  root: string;
  /** Wait at most this long for another process's lock on a key. Default 10 s. */
  lockTimeoutMs?: number;
  /** A lock older than this is considered abandoned. Default 30 s. */
  staleLockMs?: number;
}

export class FileSystemStateStore implements StateStore {
  readonly root: string;
  private readonly lock: LockOptions;

  constructor(options: FileSystemStateStoreOptions) {
    this.root = resolve(options.root);
    this.lock = { timeoutMs: options.lockTimeoutMs ?? 10_000, staleMs: options.staleLockMs ?? 30_000 };
  }

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    const bytes = await readIfPresent(pathOfKey(this.root, key));
    return bytes && { value: decodeState<T>(key, bytes), etag: versionOf(bytes) };
  }

  async create<T>(key: string, value: T): Promise<boolean> {
    const path = pathOfKey(this.root, key);
    const bytes = encodeState(key, value);
    for (let attempt = 1; ; attempt++) {
      try {
        return await createOnce(path, bytes);
      } catch (error) {
        // prune may remove the key's folder, left empty, between our mkdir and our write.
        if (!isMissing(error) || attempt === 3) throw error;
      }
    }
  }

  async replace<T>(key: string, value: T, etag: string): Promise<boolean> {
    const path = pathOfKey(this.root, key);
    const bytes = encodeState(key, value);
    if (!(await isFile(path))) return false;
    return withFileLock(path, key, this.lock, async () => {
      const current = await readIfPresent(path);
      if (current === undefined || versionOf(current) !== etag) return false;
      await writeAtomically(path, [bytes]);
      return true;
    });
  }

  async delete(key: string): Promise<void> {
    const path = pathOfKey(this.root, key);
    if (!(await isFile(path))) return;
    await withFileLock(path, key, this.lock, async () => {
      await unlink(path).catch((error: unknown) => {
        if (!isMissing(error)) throw error;
      });
    });
  }

  /**
   * Deletes the keys under `prefixes` whose file was last written before `olderThan`, then
   * abandoned temp and lock files and the folders left empty; returns how many keys went.
   * A key whose lock a live process holds is skipped; any other is checked again under its lock.
   */
  async prune(prefixes: readonly string[], olderThan: Date): Promise<number> {
    let pruned = 0;
    for (const prefix of prefixes) {
      for (const key of await this.list(prefix)) if (await this.deleteIfOlder(key, olderThan)) pruned++;
      await sweepPrefix(this.root, prefix, { olderThan, staleMs: this.lock.staleMs });
    }
    return pruned;
  }

  private async deleteIfOlder(key: string, olderThan: Date): Promise<boolean> {
    const path = pathOfKey(this.root, key);
    if (!(await isOlder(path, olderThan)) || (await isLockedByLiveProcess(path))) return false;
    try {
      return await withFileLock(path, key, this.lock, async () => {
        if (!(await isOlder(path, olderThan))) return false;
        await unlink(path);
        return true;
      });
    } catch (error) {
      if (error instanceof StateLockTimeoutError || isMissing(error)) return false;
      throw error;
    }
  }

  /** Removes the lock and temp files of dead processes under `prefix` (listing does it on the way). */
  async tidy(prefix: string): Promise<void> {
    await this.list(prefix);
  }

  /**
   * Keys starting with `prefix` (not only at a `/`), in lexicographic order. Lock and temp files
   * met on the way whose process is dead are removed, so a killed process leaves nothing behind.
   */
  async list(prefix: string): Promise<string[]> {
    return fileKeysUnder(this.root, prefix);
  }
}

/** The keys of the files under `prefix` in a folder store, sorted (leftovers of dead writers removed, never listed). */
export async function fileKeysUnder(root: string, prefix: string): Promise<string[]> {
  const folder = prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/")) : "";
  const start = folder === "" ? root : join(root, ...folder.split("/"));
  const keys: string[] = [];
  for await (const path of walk(start)) {
    const key = relative(root, path).split(sep).join("/");
    if (key.startsWith(prefix)) keys.push(key);
  }
  return keys.sort();
}

async function* walk(folder: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (isReservedName(entry.name)) {
      await removeIfHolderGone(path);
      continue;
    }
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}

async function createOnce(path: string, bytes: Uint8Array): Promise<boolean> {
  await mkdir(dirname(path), { recursive: true });
  await removeAbandonedTemps(path);
  const temp = tempPathBeside(path);
  await writeAtomically(temp, [bytes]);
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
}

/** A live holder's lock is left alone, however old it looks (withFileLock would break an old one). */
async function isLockedByLiveProcess(path: string): Promise<boolean> {
  const content = await readFile(`${path}${LOCK_SUFFIX}`, "utf8").catch(() => undefined);
  return content !== undefined && lockHolder(content) === "alive";
}

async function isOlder(path: string, olderThan: Date): Promise<boolean> {
  try {
    return (await stat(path)).mtimeMs < olderThan.getTime();
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

async function readIfPresent(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if (isMissing(error) || (error as NodeJS.ErrnoException).code === "EISDIR") return undefined;
    throw error;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}
