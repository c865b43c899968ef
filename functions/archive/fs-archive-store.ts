/**
 * The browsable archive as a folder (ARCHIVE_DIR), with the same layout as the bucket.
 * Each write goes to a temp file beside its key and is renamed onto it when complete, so
 * a key only ever holds a whole file; a failed or aborted write removes its temp file.
 */
import { constants } from "node:fs";
import { type FileHandle, open, readFile, realpath, stat } from "node:fs/promises";
import { relative, resolve, sep } from "node:path";
import { Readable } from "node:stream";
import type { ArchiveObjectInfo, ArchiveReader, ArchiveStore } from "../core/ports.js";
import { readableFromBytes } from "./byte-stream.js";
import { abortReason, InvalidKeyError } from "./errors.js";
import { isMissing, writeAtomically } from "./fs-atomic-write.js";
import { pathOfKey } from "./fs-keys.js";
import { FileSystemUploads } from "./fs-resumable-uploads.js";
import { fileKeysUnder } from "./fs-state-store.js";

export interface FileSystemArchiveStoreOptions {
  /** The archive folder; created on first write. */
  root: string;
  /** Bytes per part of a resumable write (default 8 MiB): what a killed archiver downloads again at most. */
  partSizeBytes?: number;
}

export class FileSystemArchiveStore implements ArchiveStore, ArchiveReader {
  readonly root: string;
  readonly uploads: FileSystemUploads;

  constructor(options: FileSystemArchiveStoreOptions) {
    this.root = resolve(options.root);
    this.uploads = new FileSystemUploads(this.root, options.partSizeBytes);
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

  async *listKeys(prefix: string, startAfter = ""): AsyncIterable<string> {
    for (const key of await fileKeysUnder(this.root, prefix)) if (key > startAfter) yield key;
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

  async stat(key: string): Promise<ArchiveObjectInfo | undefined> {
    const handle = await this.openPlainFile(key);
    if (!handle) return undefined;
    try {
      return infoOf(await handle.stat());
    } finally {
      await handle.close();
    }
  }

  async read(key: string): Promise<(ArchiveObjectInfo & { body: ReadableStream<Uint8Array> }) | undefined> {
    const handle = await this.openPlainFile(key);
    if (!handle) return undefined;
    try {
      const info = infoOf(await handle.stat());
      // The stream owns the handle from here: it closes it at the end, on error or when cancelled.
      const body = Readable.toWeb(handle.createReadStream({ autoClose: true })) as ReadableStream<Uint8Array>;
      return { ...info, body };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /**
   * The file at `key` opened for reading, if it is a regular file reached through no symlink:
   * the last name is opened with O_NOFOLLOW, and the real path of what was opened must be the
   * key's own path under the real root, so a symlinked folder on the way is refused too.
   */
  private async openPlainFile(key: string): Promise<FileHandle | undefined> {
    let path: string;
    try {
      path = pathOfKey(this.root, key);
    } catch (error) {
      if (error instanceof InvalidKeyError) return undefined;
      throw error;
    }
    let handle: FileHandle;
    try {
      handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      if (isMissing(error) || isSymlinkOrFolder(error)) return undefined;
      throw error;
    }
    try {
      const [realRoot, realFile, info] = await Promise.all([realpath(this.root), realpath(path), handle.stat()]);
      if (info.isFile() && realFile === `${realRoot}${sep}${relative(this.root, path)}`) return handle;
    } catch (error) {
      if (!isMissing(error)) {
        await handle.close();
        throw error;
      }
    }
    await handle.close();
    return undefined;
  }
}

function infoOf(info: { size: number; mtime: Date }): ArchiveObjectInfo {
  return { size: info.size, lastModified: info.mtime };
}

/** ELOOP: the last name is a symlink (O_NOFOLLOW); ENOTDIR: a name on the way is not a folder; EISDIR. */
function isSymlinkOrFolder(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ELOOP" || code === "ENOTDIR" || code === "EISDIR";
}
