import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withFileLock } from "../../../functions/archive/fs-lock.js";

const options = { timeoutMs: 2_000, staleMs: 30_000 };

describe("withFileLock", () => {
  it("removes a stale lock a killed breaker had moved aside but not yet deleted, and leaves no lock file behind", async () => {
    const dir = await mkdtemp(join(tmpdir(), "simwatch-lock-"));
    const path = join(dir, "watchlist.json");
    // What a process killed between renaming a broken lock and deleting it leaves.
    await writeFile(`${path}.simwatch-lock.stale`, "otherhost\n1\nabc\n");
    expect(await withFileLock(path, "watchlist", options, async () => "held")).toBe("held");
    expect(await readdir(dir)).toEqual([]);
  });

  it("breaks a lock whose holder is gone, leaving nothing aside", async () => {
    const dir = await mkdtemp(join(tmpdir(), "simwatch-lock-"));
    const path = join(dir, "watchlist.json");
    await writeFile(`${path}.simwatch-lock`, `${(await import("node:os")).hostname()}\n2147483646\nabc\n`);
    expect(await withFileLock(path, "watchlist", options, async () => "held")).toBe("held");
    expect(await readdir(dir)).toEqual([]);
  });
});
