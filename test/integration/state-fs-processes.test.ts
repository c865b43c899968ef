import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { FileSystemStateStore } from "../../functions/archive/fs-state-store.js";

const run = promisify(execFile);
const worker = fileURLToPath(new URL("../support/fs-state-increment.ts", import.meta.url));
let root = "";
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

it("counts every increment exactly once when four processes read-modify-write the same key", async () => {
  root = await mkdtemp(join(tmpdir(), "simwatch-state-processes-"));
  const key = "_simwatch/test/counter.json";
  const store = new FileSystemStateStore({ root });
  await store.create(key, { count: 0, writers: [] });
  const processes = 4;
  const times = 40;
  await Promise.all(
    Array.from({ length: processes }, (_, p) =>
      run(process.execPath, ["--import", "tsx", worker, root, key, String(times), `p${p}`], { timeout: 50_000 }),
    ),
  );
  const final = await store.get<{ count: number; writers: string[] }>(key);
  expect(final?.value.count).toBe(processes * times);
  expect(new Set(final?.value.writers).size).toBe(processes * times);
  expect(await store.list("_simwatch/")).toEqual([key]);
});
