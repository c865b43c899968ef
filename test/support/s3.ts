/**
 * S3 for integration tests: a client for the server global setup provides, and a fresh,
 * uniquely named bucket per test (so files and tests never see each other's objects).
 */
import { randomBytes } from "node:crypto";
import { CreateBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { inject } from "vitest";
import { createS3Client } from "../../functions/archive/s3-client.js";
import type { S3TestServer } from "./s3-server.js";

export function testS3Server(): S3TestServer {
  return inject("s3");
}

export function testS3Client(): S3Client {
  const server = testS3Server();
  return createS3Client({
    endpoint: server.endpoint,
    region: server.region,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
}

/** Creates and returns a bucket named `simwatch-<label>-<random>` (a valid bucket name). */
export async function freshBucket(client: S3Client, label = "test"): Promise<string> {
  const slug = label.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 30) || "test";
  const bucket = `simwatch-${slug}-${randomBytes(6).toString("hex")}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** A configured client and a fresh bucket, in one call. */
export async function s3WithFreshBucket(label?: string): Promise<{ client: S3Client; bucket: string }> {
  const client = testS3Client();
  return { client, bucket: await freshBucket(client, label) };
}
