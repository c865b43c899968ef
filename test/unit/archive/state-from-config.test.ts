import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { archiveStoresFromConfig } from "../../../functions/archive/from-config.js";
import { FileSystemArchiveStore } from "../../../functions/archive/fs-archive-store.js";
import { FileSystemStateStore } from "../../../functions/archive/fs-state-store.js";
import { S3ArchiveStore } from "../../../functions/archive/s3-archive-store.js";
import { S3StateStore } from "../../../functions/archive/s3-state-store.js";
import { parseConfig } from "../../../functions/core/config.js";

describe("archiveStoresFromConfig", () => {
  it("uses the folder ARCHIVE_DIR when no bucket is configured", () => {
    const stores = archiveStoresFromConfig(parseConfig({ ARCHIVE_DIR: "./some/archive" }));
    expect(stores.archive).toBeInstanceOf(FileSystemArchiveStore);
    expect(stores.state).toBeInstanceOf(FileSystemStateStore);
    expect(stores.where).toBe(resolve("./some/archive"));
    expect(stores.archive.locationOf("runs/s/r/run.json")).toBe(resolve("./some/archive/runs/s/r/run.json"));
  });

  it("uses the bucket, on S3_ENDPOINT if set, when ARCHIVE_BUCKET is configured", () => {
    const stores = archiveStoresFromConfig(
      parseConfig({ ARCHIVE_BUCKET: "team-archive", S3_ENDPOINT: "http://127.0.0.1:9000", ARCHIVE_DIR: "./ignored" }),
    );
    expect(stores.archive).toBeInstanceOf(S3ArchiveStore);
    expect(stores.state).toBeInstanceOf(S3StateStore);
    expect(stores.where).toBe("s3://team-archive/");
    expect(stores.archive.locationOf("runs/s/r/run.json")).toBe("s3://team-archive/runs/s/r/run.json");
  });
});
