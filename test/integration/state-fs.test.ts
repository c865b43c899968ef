import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InvalidKeyError } from "../../functions/archive/errors.js";
import { FileSystemStateStore } from "../../functions/archive/fs-state-store.js";
import { useTempFolders } from "../support/temp-folders.js";
import { describeStateStoreContract } from "../support/state-store-contract.js";

const freshFolder = useTempFolders("simwatch-state-");

describeStateStoreContract("FileSystemStateStore", async () => new FileSystemStateStore({ root: await freshFolder() }));

async function allFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

describe("FileSystemStateStore", () => {
  it("keeps state as JSON files under the root, and no temp or lock files after writing", async () => {
    const root = await freshFolder();
    const store = new FileSystemStateStore({ root });
    await store.create("_simwatch/runs/r1/origin.json", { channelId: "C1" });
    const read = await store.get("_simwatch/runs/r1/origin.json");
    await store.replace("_simwatch/runs/r1/origin.json", { channelId: "C2" }, read?.etag ?? "");
    await store.create("_simwatch/runs/r1/origin.json", { channelId: "C3" });
    expect(await allFiles(root)).toEqual([join(root, "_simwatch/runs/r1/origin.json")]);
  });

  it("refuses keys that would escape the root or collide with its temp and lock files", async () => {
    const store = new FileSystemStateStore({ root: await freshFolder() });
    for (const key of ["", "/etc/passwd", "_simwatch/../../x", "_simwatch//x", "_simwatch/x.simwatch-lock", "a\\b"]) {
      await expect(store.create(key, {}), key).rejects.toThrow(InvalidKeyError);
    }
  });

  it("breaks a lock left behind by a process that no longer exists", async () => {
    const root = await freshFolder();
    const store = new FileSystemStateStore({ root, lockTimeoutMs: 2_000 });
    const key = "_simwatch/poller/cursor.json";
    await store.create(key, { n: 1 });
    const { hostname } = await import("node:os");
    const { writeFile } = await import("node:fs/promises");
    // pid 2^22 + 1 is above Linux's pid_max ceiling, so no process has it.
    await writeFile(join(root, `${key}.simwatch-lock`), `${hostname()}\n${2 ** 22 + 1}\nabandoned\n`);
    const read = await store.get(key);
    expect(await store.replace(key, { n: 2 }, read?.etag ?? "")).toBe(true);
    expect((await store.get(key))?.value).toEqual({ n: 2 });
  });
});
