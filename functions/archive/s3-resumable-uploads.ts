/**
 * Resumable writes into the bucket: an S3 multipart upload whose id and part ETags the archiver
 * saves in state, so another process can add the next parts and complete it. Parts are sent
 * one request each from a buffer the caller holds. An upload nobody completes is removed by the
 * bucket's lifecycle rule (AbortIncompleteMultipartUpload, infra/constructs/archive-bucket.ts).
 */
import { createHash } from "node:crypto";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { UploadGone } from "../core/archiver/artifact-copy.js";
import type { ResumableUploads } from "../core/ports.js";
import { isNoSuchUpload } from "./s3-errors.js";

export class S3Uploads implements ResumableUploads {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly partBytesFor: (totalBytes: number | undefined) => number,
  ) {}

  partBytes(totalBytes: number | undefined): number {
    return this.partBytesFor(totalBytes);
  }

  async begin(key: string, contentType: string): Promise<string> {
    const created = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ContentType: contentType }));
    if (!created.UploadId) throw new Error(`S3 started no multipart upload for ${key}`);
    return created.UploadId;
  }

  async putPart(key: string, uploadId: string, part: { number: number; offset: number; bytes: Uint8Array }): Promise<string> {
    const answer = await gone(
      key,
      this.client.send(
        new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber: part.number, Body: part.bytes, ContentLength: part.bytes.byteLength }),
      ),
    );
    if (!answer.ETag) throw new Error(`S3 gave part ${part.number} of ${key} no ETag`);
    return answer.ETag;
  }

  async complete(key: string, uploadId: string, parts: readonly { number: number; tag: string; bytes: number }[]): Promise<void> {
    const Parts = parts.map((part) => ({ PartNumber: part.number, ETag: part.tag }));
    await gone(key, this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts } })));
  }

  measure(key: string): Promise<{ size: number; sha256: string }> {
    return measureObject(this.client, this.bucket, key);
  }

  async abort(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }));
    } catch (error) {
      if (!isNoSuchUpload(error)) throw error;
    }
  }
}

/** Reads the object back in one streamed GET and hashes it. */
async function measureObject(client: S3Client, bucket: string, key: string): Promise<{ size: number; sha256: string }> {
  const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of answer.Body as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { size, sha256: hash.digest("hex") };
}

/** NoSuchUpload (aborted by the lifecycle rule, or by another process) as UploadGone. */
async function gone<T>(key: string, request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (error) {
    if (isNoSuchUpload(error)) throw new UploadGone(`the multipart upload of ${key} is gone`);
    throw error;
  }
}
