/**
 * The browsable archive as a folder (ARCHIVE_DIR), with the same layout as the bucket.
 * Each write goes to a temp file beside its key and is renamed onto it when complete, so
 * a key only ever holds a whole file; a failed or aborted write removes its temp file.
 */
import { readFile, stat } from "node:fs/promises";
import { resolve } from "node:path";
import type { ArchiveStore } from "../core/ports.js";
import { readableFromBytes } from "./byte-stream.js";
import { abortReason } from "./errors.js";
import { isMissing, writeAtomically } from "./fs-atomic-write.js";
import { pathOfKey } from "./fs-keys.js";

export interface FileSystemArchiveStoreOptions {
  /** The archive folder; created on first write. */
  root: string;
}

export class FileSystemArchiveStore implements ArchiveStore {
  readonly root: string;

  constructor(options: FileSystemArchiveStoreOptions) {
    this.root = resolve(options.root);
  }

  async putStream(
    key: string,
    body: AsyncIterable<Uint8Array>,
    options: { contentType: string; contentLength?: number; signal?: AbortSignal },
  ): Promise<{ location: string }> {
    const path = pathOfKey(this.root, key);
    const { signal } = options;
    if (signal?.aborted) throw abortReason(signal);
    const source = readableFromBytes(body, {
      ...(signal !== undefined && { signal }),
      ...(options.contentLength !== undefined && { expectedLength: options.contentLength }),
    });
    try {
      await writeAtomically(path, source);
    } catch (error) {
      source.destroy();
      if (signal?.aborted) throw abortReason(signal);
      throw error;
    }
    return { location: path };
  }

  async putText(key: string, text: string, _contentType: string): Promise<{ location: string }> {
    const path = pathOfKey(this.root, key);
    await writeAtomically(path, [Buffer.from(text, "utf8")]);
    return { location: path };
  }

  async getText(key: string): Promise<string | undefined> {
    try {
      return await readFile(pathOfKey(this.root, key), "utf8");
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(pathOfKey(this.root, key))).isFile();
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  locationOf(key: string): string {
    return pathOfKey(this.root, key);
  }
}
