/**
 * FileSystemStateStore.prune: expired markers and per-run state go, with the folders they
 * leave empty; settings, the poller's watch list, the archive and live locks stay. Files
 * are aged with utimes, as if written weeks ago.
 */
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FileSystemStateStore } from "../../functions/archive/fs-state-store.js";
import { withFileLock } from "../../functions/archive/fs-lock.js";
import { EXPIRING_STATE_PREFIXES, stateKeys } from "../../functions/core/idempotency/state-keys.js";

const DAY = 86_400_000;
const RUN = "6b0b18a44226fdec9400003a";
const OTHER_RUN = "6b0b0f114226fdec94000031";
const SET = "695b7d904226fdec9400001f";
/** A pid above Linux's pid_max ceiling: no process has it. */
const DEAD_PID = 2 ** 22 + 1;

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

async function freshStore(): Promise<{ root: string; store: FileSystemStateStore }> {
  const root = await mkdtemp(join(tmpdir(), "simwatch-prune-"));
  folders.push(root);
  return { root, store: new FileSystemStateStore({ root }) };
}

/** Sets a file's (or folder's) modification time `days` ago. */
async function age(path: string, days: number): Promise<void> {
  const when = new Date(Date.now() - days * DAY);
  await utimes(path, when, when);
}

const exists = (path: string) => stat(path).then(
  () => true,
  () => false,
);
const thirtyDaysAgo = () => new Date(Date.now() - 30 * DAY);

/** Expiring state of a run, and every kind of state that never expires. */
async function seed(root: string, store: FileSystemStateStore, days: number) {
  const expiring = [
    stateKeys.deliveredMarker(`${RUN}/started`),
    stateKeys.archivedMarker(RUN),
    stateKeys.runOrigin(RUN),
    stateKeys.runMessage(RUN, "C0RUNS"),
    stateKeys.runThreadReply(RUN, "C0RUNS", "mention"),
    stateKeys.cancelRequest(RUN),
    stateKeys.commandRecord("1764353316.123.abc"),
    stateKeys.outboxEntry(`${RUN}/finished`),
    "_simwatch/bus/summary-1.json",
  ];
  const kept = [
    stateKeys.subscription(SET, "C0RUNS"),
    stateKeys.watchlist(),
    stateKeys.lastFinishedRun(SET),
    "_simwatch/schedules/daily.json",
    // Beside a prefix, not under it: `_simwatch/runs/` must not match `_simwatch/runs-old/`.
    "_simwatch/runs-old/note.json",
  ];
  for (const key of [...expiring, ...kept]) {
    await store.create(key, { key });
    await age(join(root, key), days);
  }
  const archived = join(root, "runs", SET, RUN, "run.json");
  await mkdir(dirname(archived), { recursive: true });
  await writeFile(archived, "{}");
  await age(archived, days);
  return { expiring, kept, archived };
}

describe("FileSystemStateStore.prune", () => {
  it("deletes expired markers, per-run state and command records, and never settings, the watch list or the archive", async () => {
    const { root, store } = await freshStore();
    const { expiring, kept, archived } = await seed(root, store, 40);
    expect(await store.prune(EXPIRING_STATE_PREFIXES, thirtyDaysAgo())).toBe(expiring.length);
    for (const key of expiring) expect(await store.get(key), key).toBeUndefined();
    for (const key of kept) expect(await store.get(key), key).toEqual(expect.objectContaining({ value: { key } }));
    expect(await exists(archived)).toBe(true);
  });

  it("removes the folders it leaves empty, and only those", async () => {
    const { root, store } = await freshStore();
    await seed(root, store, 40);
    await store.create(stateKeys.runOrigin(OTHER_RUN), { fresh: true });
    await store.prune(EXPIRING_STATE_PREFIXES, thirtyDaysAgo());
    expect(await exists(join(root, "_simwatch/done", RUN))).toBe(false);
    expect(await exists(join(root, "_simwatch/runs", RUN))).toBe(false);
    expect(await readdir(join(root, "_simwatch/runs"))).toEqual([OTHER_RUN]);
    expect(await exists(join(root, "_simwatch/subscriptions", SET))).toBe(true);
    // A folder it removed is simply made again by the next write.
    expect(await store.create(stateKeys.deliveredMarker(`${RUN}/started`), {})).toBe(true);
  });

  it("keeps what was written since, even under an old folder (a replace counts as a write)", async () => {
    const { root, store } = await freshStore();
    const { expiring } = await seed(root, store, 40);
    const origin = stateKeys.runOrigin(RUN);
    const old = await store.get(origin);
    await store.replace(origin, { rewritten: true }, old?.etag ?? "");
    expect(await store.prune(EXPIRING_STATE_PREFIXES, thirtyDaysAgo())).toBe(expiring.length - 1);
    expect((await store.get(origin))?.value).toEqual({ rewritten: true });
  });

  it("leaves everything alone when nothing is old enough", async () => {
    const { root, store } = await freshStore();
    const { expiring } = await seed(root, store, 20);
    expect(await store.prune(EXPIRING_STATE_PREFIXES, thirtyDaysAgo())).toBe(0);
    for (const key of expiring) expect(await store.get(key), key).toBeDefined();
  });

  it("never deletes a key whose lock a live process holds, nor that lock file", async () => {
    const { root, store } = await freshStore();
    const key = stateKeys.deliveredMarker(`${RUN}/started`);
    await store.create(key, {});
    await age(join(root, key), 40);
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const holding = withFileLock(join(root, key), key, { timeoutMs: 1_000, staleMs: 30_000 }, () => held);
    const lock = join(root, `${key}.simwatch-lock`);
    while (!(await exists(lock))) await new Promise((resolve) => setTimeout(resolve, 5));
    await age(lock, 40);

    expect(await store.prune(EXPIRING_STATE_PREFIXES, thirtyDaysAgo())).toBe(0);
    expect(await exists(lock)).toBe(true);
    expect(await store.get(key)).toBeDefined();
    release();
    await holding;
    expect(await store.prune(EXPIRING_STATE_PREFIXES, thirtyDaysAgo())).toBe(1);
  });

  it("clears temp and lock files that dead processes left long ago, so their folders can go", async () => {
    const { root, store } = await freshStore();
    const folder = join(root, "_simwatch/done", RUN);
    await mkdir(folder, { recursive: true });
    const lock = join(folder, "started.simwatch-lock");
    const temp = join(folder, `started.${DEAD_PID}-0123456789ab.simwatch-tmp`);
    await writeFile(lock, `${hostname()}\n${DEAD_PID}\nabandoned\n`);
    await writeFile(temp, "{");
    await age(lock, 40);
    await age(temp, 40);
    await store.prune(EXPIRING_STATE_PREFIXES, thirtyDaysAgo());
    expect(await exists(folder)).toBe(false);
  });

  it("keeps temp files that are being written: young ones, and those of a live writer", async () => {
    const { root, store } = await freshStore();
    const folder = join(root, "_simwatch/done", RUN);
    await mkdir(folder, { recursive: true });
    const young = join(folder, "started.simwatch-tmp");
    const live = join(folder, `archived.${process.pid}-0123456789ab.simwatch-tmp`);
    await writeFile(young, "{");
    await writeFile(live, "{");
    await age(live, 40);
    // Even when asked to prune everything written before tomorrow.
    await store.prune(EXPIRING_STATE_PREFIXES, new Date(Date.now() + DAY));
    expect(await exists(young)).toBe(true);
    expect(await exists(live)).toBe(true);
  });
});

describe("FileSystemStateStore.list", () => {
  it("removes at once the lock and temp files a killed process left beside keys, and keeps a live one's", async () => {
    const { root, store } = await freshStore();
    const key = stateKeys.outboxEntry(`${RUN}/started`);
    await store.create(key, { key });
    await store.delete(key);
    const folder = join(root, "_simwatch/outbox");
    const deadLock = join(folder, `${RUN}.started.json.simwatch-lock`);
    const deadTemp = join(folder, `${RUN}.finished.json.${DEAD_PID}-0123456789ab.simwatch-tmp`);
    const liveTemp = join(folder, `${RUN}.archived.json.${process.pid}-0123456789ab.simwatch-tmp`);
    await writeFile(deadLock, `${hostname()}\n${DEAD_PID}\nkilled mid-delete\n`);
    await writeFile(deadTemp, "{");
    await writeFile(liveTemp, "{");
    expect(await store.list("_simwatch/outbox/")).toEqual([]);
    expect((await readdir(folder)).sort()).toEqual([`${RUN}.archived.json.${process.pid}-0123456789ab.simwatch-tmp`]);
  });
});

describe("FileSystemStateStore.tidy", () => {
  it("removes the lock a process killed while releasing a run's lease left, which no later call on the key would meet", async () => {
    const { root, store } = await freshStore();
    const lease = stateKeys.archivingLease(RUN);
    await store.create(lease, { status: "released" });
    const deadLock = join(root, `${lease}.simwatch-lock`);
    await writeFile(deadLock, `${hostname()}\n${DEAD_PID}\nkilled mid-release\n`);
    await store.tidy(stateKeys.runStatePrefix(RUN));
    expect(await exists(deadLock)).toBe(false);
    expect((await store.get(lease))?.value).toEqual({ status: "released" });
  });
});
