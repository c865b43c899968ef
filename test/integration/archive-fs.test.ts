import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InvalidKeyError } from "../../functions/archive/errors.js";
import { FileSystemArchiveStore } from "../../functions/archive/fs-archive-store.js";
import { TEMP_SUFFIX } from "../../functions/archive/fs-keys.js";
import { useTempFolders } from "../support/temp-folders.js";
import { describeArchiveStoreContract } from "../support/archive-store-contract.js";

const freshFolder = useTempFolders("simwatch-archive-");

describeArchiveStoreContract("FileSystemArchiveStore", async () => {
  const root = await freshFolder();
  return {
    store: new FileSystemArchiveStore({ root }),
    readBytes: async (key) => readFile(join(root, key)).catch(() => undefined),
    leftovers: async () =>
      (await readdir(root, { recursive: true })).filter((name) => name.endsWith(TEMP_SUFFIX)),
    expectedLocation: (key) => join(root, key),
  };
});

describe("FileSystemArchiveStore", () => {
  it("lays files out under the root exactly as keys say, and answers with absolute paths", async () => {
    const root = await freshFolder();
    const store = new FileSystemArchiveStore({ root: join(root, "nested", "..", "archive") });
    const { location } = await store.putText("runs/s1/r1/run.json", "{}\n", "application/json");
    expect(location).toBe(join(root, "archive", "runs/s1/r1/run.json"));
    expect(await readFile(location, "utf8")).toBe("{}\n");
  });

  it("refuses keys that would escape the root", async () => {
    const store = new FileSystemArchiveStore({ root: await freshFolder() });
    for (const key of ["", "/etc/passwd", "runs/../../escape", "runs//x", "runs/x.simwatch-tmp"]) {
      await expect(store.putText(key, "x", "text/plain"), key).rejects.toThrow(InvalidKeyError);
    }
  });
});
