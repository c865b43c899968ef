/**
 * Resumable writes into the folder archive: a partial file beside the key, named by the
 * upload's id with the reserved temp suffix (so no listing or reader ever takes it for a key),
 * each part written at its offset and flushed to disk before it counts, and renamed onto the key
 * when complete. A process killed mid-part leaves bytes past the last saved part; they are
 * written over by the next process, or cut off by `complete`.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { UploadGone } from "../core/archiver/artifact-copy.js";
import type { ResumableUploads } from "../core/ports.js";
import { isMissing } from "./fs-atomic-write.js";
import { pathOfKey, TEMP_SUFFIX } from "./fs-keys.js";

const MIB = 1024 * 1024;
const UPLOAD_ID = /^[0-9a-f]{16}$/;

export class FileSystemUploads implements ResumableUploads {
  constructor(
    private readonly root: string,
    private readonly partSize = 8 * MIB,
  ) {}

  partBytes(): number {
    return this.partSize;
  }

  /** Starts a partial file; any other partial of the same key was abandoned (one archiver holds a run's lease). */
  async begin(key: string, _contentType: string): Promise<string> {
    const path = pathOfKey(this.root, key);
    await mkdir(dirname(path), { recursive: true });
    const prefix = `${basename(path)}.partial-`;
    for (const name of await readdir(dirname(path))) {
      if (name.startsWith(prefix) && name.endsWith(TEMP_SUFFIX)) await rm(join(dirname(path), name), { force: true });
    }
    const id = randomBytes(8).toString("hex");
    await (await open(this.partialPath(path, id), "wx")).close();
    return id;
  }

  async putPart(key: string, uploadId: string, part: { number: number; offset: number; bytes: Uint8Array }): Promise<string> {
    const file = await this.openPartial(key, uploadId);
    try {
      await file.write(part.bytes, 0, part.bytes.byteLength, part.offset);
      await file.sync();
    } finally {
      await file.close();
    }
    return `${part.offset}+${part.bytes.byteLength}`;
  }

  async complete(key: string, uploadId: string, parts: readonly { number: number; tag: string; bytes: number }[]): Promise<void> {
    const path = pathOfKey(this.root, key);
    const file = await this.openPartial(key, uploadId);
    try {
      await file.truncate(parts.reduce((sum, part) => sum + part.bytes, 0));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(this.partialPath(path, uploadId), path);
  }

  async abort(key: string, uploadId: string): Promise<void> {
    await rm(this.partialPath(pathOfKey(this.root, key), uploadId), { force: true });
  }

  async measure(key: string): Promise<{ size: number; sha256: string }> {
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of createReadStream(pathOfKey(this.root, key), { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.byteLength;
    }
    return { size, sha256: hash.digest("hex") };
  }

  private async openPartial(key: string, uploadId: string) {
    try {
      return await open(this.partialPath(pathOfKey(this.root, key), uploadId), "r+");
    } catch (error) {
      if (isMissing(error)) throw new UploadGone(`the partial file of ${key} is gone`);
      throw error;
    }
  }

  private partialPath(path: string, uploadId: string): string {
    if (!UPLOAD_ID.test(uploadId)) throw new UploadGone(`${JSON.stringify(uploadId)} is not an upload id of the folder archive`);
    return `${path}.partial-${uploadId}${TEMP_SUFFIX}`;
  }
}
