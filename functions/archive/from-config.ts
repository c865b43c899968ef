/**
 * The archive and state stores the configuration asks for: the bucket (ARCHIVE_BUCKET,
 * optionally on S3_ENDPOINT) when one is set, otherwise the folder ARCHIVE_DIR. Both stores
 * share the root; state keys start with `_simwatch/`, beside the ARCHIVE_PREFIX folders.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { Config } from "../core/config.js";
import type { ArchiveReader, ArchiveStore, StateStore } from "../core/ports.js";
import { FileSystemArchiveStore } from "./fs-archive-store.js";
import { FileSystemStateStore } from "./fs-state-store.js";
import { S3ArchiveStore } from "./s3-archive-store.js";
import { createS3Client } from "./s3-client.js";
import { S3StateStore } from "./s3-state-store.js";

export type ArchiveConfig = Pick<Config, "ARCHIVE_BUCKET" | "S3_ENDPOINT" | "ARCHIVE_DIR">;

export interface ArchiveStores {
  /** Written by the archiver, read by the archive browser. */
  archive: ArchiveStore & ArchiveReader;
  state: StateStore;
  /** `s3://bucket/` or the absolute folder, for logs and the CLI. */
  where: string;
}

/** `client` overrides the S3 client (tests); credentials otherwise come from the SDK's default chain. */
export function archiveStoresFromConfig(config: ArchiveConfig, options: { client?: S3Client } = {}): ArchiveStores {
  const bucket = config.ARCHIVE_BUCKET;
  if (bucket !== undefined) {
    const client = options.client ?? createS3Client(config.S3_ENDPOINT === undefined ? {} : { endpoint: config.S3_ENDPOINT });
    return {
      archive: new S3ArchiveStore({ client, bucket }),
      state: new S3StateStore({ client, bucket }),
      where: `s3://${bucket}/`,
    };
  }
  const archive = new FileSystemArchiveStore({ root: config.ARCHIVE_DIR });
  return { archive, state: new FileSystemStateStore({ root: archive.root }), where: archive.root };
}
