/**
 * The browsable archive in an S3 bucket. Keys are relative to the bucket (the caller adds
 * ARCHIVE_PREFIX). Large bodies stream through a multipart upload with bounded parts, so
 * memory stays flat whatever the size; a failed or aborted upload is aborted on the server,
 * leaving neither an object nor parts behind.
 */
import {
  paginateListObjectsV2,
  AbortMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { MAX_PRESIGN_SECONDS, presignS3Get } from "../aws/s3-presign.js";
import type { ArchiveObjectInfo, ArchiveReader, ArchiveStore } from "../core/ports.js";
import { readableFromBytes } from "./byte-stream.js";
import { S3Uploads } from "./s3-resumable-uploads.js";
import { abortReason, InvalidKeyError } from "./errors.js";
import { isAccessDenied, isNoSuchUpload, isNotFound } from "./s3-errors.js";

export interface S3ArchiveStoreOptions {
  client: S3Client;
  bucket: string;
  /**
   * Bytes per multipart part (at least 5 MiB, S3's minimum, which is the default: the archiver's
   * peak RSS follows it). A body whose length is known gets larger parts when it needs them to
   * stay within S3's 10,000; one of unknown length fits up to 48.8 GiB in 5 MiB parts, more than
   * the default ARCHIVE_MAX_BYTES.
   */
  partSizeBytes?: number;
  /** Parts uploaded at once. Memory held is about (queueSize + 1) x partSizeBytes. Default 4. */
  queueSize?: number;
  /**
   * Reads a 403 as a missing key (stat and read only). For a reader that may GetObject under the
   * archive prefix and nothing else (archive-web): S3 answers it 403, not 404, for a key that does
   * not exist, since it may not list the bucket.
   */
  deniedIsMissing?: boolean;
}

const MIB = 1024 * 1024;
const MAX_PARTS = 10_000;

/** The configured part size, or the smallest whole MiB that fits `contentLength` in MAX_PARTS. */
export function partSizeFor(configured: number, contentLength: number | undefined): number {
  if (contentLength === undefined) return configured;
  return Math.max(configured, Math.ceil(contentLength / MAX_PARTS / MIB) * MIB);
}

export class S3ArchiveStore implements ArchiveStore, ArchiveReader {
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly partSize: number;
  private readonly queueSize: number;
  readonly uploads: S3Uploads;
  private readonly deniedIsMissing: boolean;

  constructor(options: S3ArchiveStoreOptions) {
    this.deniedIsMissing = options.deniedIsMissing ?? false;
    this.client = options.client;
    this.bucket = options.bucket;
    this.partSize = Math.max(5 * MIB, options.partSizeBytes ?? 5 * MIB);
    this.queueSize = Math.max(1, options.queueSize ?? 4);
    this.uploads = new S3Uploads(this.client, this.bucket, (totalBytes) => partSizeFor(this.partSize, totalBytes));
  }

  async putStream(
    key: string,
    body: AsyncIterable<Uint8Array>,
    options: { contentType: string; contentLength?: number; signal?: AbortSignal },
  ): Promise<{ location: string }> {
    checkKey(key);
    const { signal } = options;
    if (signal?.aborted) throw abortReason(signal);
    const stream = readableFromBytes(body, {
      ...(signal !== undefined && { signal }),
      ...(options.contentLength !== undefined && { expectedLength: options.contentLength }),
    });
    // No abortController is handed to Upload: aborting it makes done() reject at once while
    // parts are still in flight. Aborting by failing the stream instead makes done() wait for
    // them, then abort the multipart upload (leavePartsOnError: false), then reject.
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: stream, ContentType: options.contentType },
      partSize: partSizeFor(this.partSize, options.contentLength),
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      stream.destroy();
      // Best effort: the error worth reporting is the upload's, not this one's.
      await this.abortMultipartUpload(key, upload.uploadId).catch(() => undefined);
      if (signal?.aborted) throw abortReason(signal);
      throw error;
    }
    return { location: this.locationOf(key) };
  }

  async putText(key: string, text: string, contentType: string): Promise<{ location: string }> {
    checkKey(key);
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: text, ContentType: contentType }));
    return { location: this.locationOf(key) };
  }

  async getText(key: string): Promise<string | undefined> {
    checkKey(key);
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await response.Body?.transformToString("utf-8")) ?? "";
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async *listKeys(prefix: string, startAfter?: string): AsyncIterable<string> {
    const pages = paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: prefix, ...(startAfter ? { StartAfter: startAfter } : {}) });
    for await (const page of pages) for (const object of page.Contents ?? []) if (object.Key !== undefined) yield object.Key;
  }

  async exists(key: string): Promise<boolean> {
    checkKey(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  private isMissing(error: unknown): boolean {
    return isNotFound(error) || (this.deniedIsMissing && isAccessDenied(error));
  }

  locationOf(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  async stat(key: string): Promise<ArchiveObjectInfo | undefined> {
    checkKey(key);
    try {
      return infoOf(await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })));
    } catch (error) {
      if (this.isMissing(error)) return undefined;
      throw error;
    }
  }

  async read(key: string): Promise<(ArchiveObjectInfo & { body: ReadableStream<Uint8Array> }) | undefined> {
    checkKey(key);
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const body = response.Body?.transformToWebStream() ?? new Blob([]).stream();
      return { ...infoOf(response), body: body as ReadableStream<Uint8Array> };
    } catch (error) {
      if (this.isMissing(error)) return undefined;
      throw error;
    }
  }

  /** A GET URL valid for `expiresInSeconds` (1 s to 7 days); undefined when the key does not exist. */
  async presignDownload(key: string, expiresInSeconds: number): Promise<string | undefined> {
    if (!(await this.exists(key))) return undefined;
    const config = this.client.config;
    const endpoint = config.endpoint ? await config.endpoint() : undefined;
    return presignS3Get(
      {
        bucket: this.bucket,
        region: await config.region(),
        credentials: await config.credentials(),
        ...(endpoint ? { endpoint: `${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ""}${endpoint.path}` } : {}),
      },
      key,
      Math.min(MAX_PRESIGN_SECONDS, expiresInSeconds),
    );
  }


  /**
   * Upload aborts the multipart upload itself; this second abort covers the case AWS
   * documents where a part still in flight completes after the first abort. A 404 means
   * it is already gone, as it should be.
   */
  private async abortMultipartUpload(key: string, uploadId: string | undefined): Promise<void> {
    if (uploadId === undefined) return;
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }));
    } catch (error) {
      if (!isNoSuchUpload(error)) throw error;
    }
  }
}

function infoOf(object: { ContentLength?: number | undefined; LastModified?: Date | undefined; ETag?: string | undefined }): ArchiveObjectInfo {
  return {
    size: object.ContentLength ?? 0,
    ...(object.LastModified ? { lastModified: object.LastModified } : {}),
    ...(object.ETag ? { etag: object.ETag } : {}),
  };
}

function checkKey(key: string): void {
  if (key === "") throw new InvalidKeyError(key, "it is empty");
  if (key.startsWith("/")) throw new InvalidKeyError(key, "it starts with /");
}
