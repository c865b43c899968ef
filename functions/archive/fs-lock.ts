/**
 * A per-key lock between processes: a lock file created by hard link (which fails if it exists), which only one
 * process can create. It records its holder (host, pid, a random token); a lock whose holder
 * process is gone, or that is older than `staleMs`, is broken, so a crash never wedges a key.
 * Critical sections are a read and a rename, milliseconds long.
 */
import { randomBytes } from "node:crypto";
import { link, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { sleep } from "../core/util/backoff.js";
import { StateLockTimeoutError } from "./errors.js";
import { LOCK_SUFFIX, tempPathBeside } from "./fs-keys.js";

export interface LockOptions {
  /** How long to wait for another holder before giving up. */
  timeoutMs: number;
  /** Age after which a lock is considered abandoned. */
  staleMs: number;
}

export async function withFileLock<T>(path: string, key: string, options: LockOptions, work: () => Promise<T>): Promise<T> {
  const lockPath = `${path}${LOCK_SUFFIX}`;
  const token = `${hostname()}\n${process.pid}\n${randomBytes(8).toString("hex")}\n`;
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    if (await tryCreate(lockPath, token)) break;
    await breakIfStale(lockPath, options.staleMs);
    if (Date.now() - started > options.timeoutMs) throw new StateLockTimeoutError(key, Date.now() - started);
    await sleep(Math.min(50, 2 + attempt) * (0.5 + Math.random()));
  }
  // A breaker killed between moving a stale lock aside and deleting it leaves the aside; the next holder removes it.
  await rm(asidePath(lockPath), { force: true });
  try {
    return await work();
  } finally {
    // Remove the lock only if it is still ours (it may have been broken as stale meanwhile).
    if ((await readFile(lockPath, "utf8").catch(() => undefined)) === token) await rm(lockPath, { force: true });
  }
}

/**
 * Creates the lock with its holder already in it: the token goes to a temp file that is then
 * hard-linked to the lock's name (which fails if it exists). A lock file is never seen empty, so
 * a holder killed while taking it leaves a lock whose holder is known to be gone.
 */
async function tryCreate(lockPath: string, token: string): Promise<boolean> {
  const pending = tempPathBeside(lockPath);
  await writeFile(pending, token, { flag: "wx" });
  try {
    await link(pending, lockPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await rm(pending, { force: true });
  }
}

/** Where a stale lock is moved before it is deleted: one name per lock, so its next holder can tidy it. */
const asidePath = (lockPath: string) => `${lockPath}.stale`;

async function breakIfStale(lockPath: string, staleMs: number): Promise<void> {
  const [content, info] = await Promise.all([
    readFile(lockPath, "utf8").catch(() => undefined),
    stat(lockPath).catch(() => undefined),
  ]);
  if (content === undefined || info === undefined) return;
  const holderGone = lockHolder(content) === "gone";
  // An empty lock is one being written right now, unless it is old.
  const tooOld = Date.now() - info.mtimeMs > staleMs;
  if (!(holderGone || tooOld)) return;
  // Rename first: of several processes breaking the same lock, one moves it away.
  const aside = asidePath(lockPath);
  try {
    await rename(lockPath, aside);
  } catch {
    return;
  }
  await rm(aside, { force: true });
}

/**
 * Whether the process a lock file names still runs: known only for holders on this host
 * ("unknown" for other hosts and for a lock still being written).
 */
export function lockHolder(content: string): "alive" | "gone" | "unknown" {
  const [host, pid] = content.split("\n");
  if (host !== hostname() || pid === undefined || pid === "") return "unknown";
  return isProcessAlive(Number(pid)) ? "alive" : "gone";
}

/** Whether a process with this pid exists on this machine (EPERM: it exists, owned by someone else). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
