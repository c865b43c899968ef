import { GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, type S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { partSizeFor, S3ArchiveStore } from "../../functions/archive/s3-archive-store.js";
import { describeArchiveStoreContract } from "../support/archive-store-contract.js";
import { ByteSource, MIB, sha256 } from "../support/byte-source.js";
import { s3WithFreshBucket } from "../support/s3.js";

async function pendingUploads(client: S3Client, bucket: string): Promise<string[]> {
  const listed = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (listed.Uploads ?? []).map((upload) => `${upload.Key} (${upload.UploadId})`);
}

async function readObject(client: S3Client, bucket: string, key: string): Promise<Uint8Array | undefined> {
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await object.Body?.transformToByteArray();
  } catch {
    return undefined;
  }
}

/** Names of the S3 operations `client` sends, in order. */
function recordCommands(client: S3Client): string[] {
  const names: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      names.push(String(context.commandName));
      return next(args);
    },
    { step: "initialize", name: "recordCommands" },
  );
  return names;
}

async function harness(label: string) {
  const { client, bucket } = await s3WithFreshBucket(label);
  // 5 MiB parts (the minimum) and 2 at a time: 20 MB is four parts.
  const store = new S3ArchiveStore({ client, bucket, partSizeBytes: 5 * MIB, queueSize: 2 });
  return { client, bucket, store };
}

describeArchiveStoreContract("S3ArchiveStore on a real S3 server", async () => {
  const { client, bucket, store } = await harness("archive");
  return {
    store,
    readBytes: (key) => readObject(client, bucket, key),
    leftovers: () => pendingUploads(client, bucket),
    expectedLocation: (key) => `s3://${bucket}/${key}`,
  };
});

describe("S3ArchiveStore", () => {
  const key = "runs/s1/r1/artifacts.zip";

  it("keeps 5 MiB parts while they fit S3's 10,000, and grows them by whole MiB when a known length needs it", () => {
    const GIB = 1024 * MIB;
    expect(partSizeFor(5 * MIB, 20 * GIB)).toBe(5 * MIB);
    expect(partSizeFor(5 * MIB, 100 * GIB)).toBe(11 * MIB);
    expect(Math.ceil((100 * GIB) / partSizeFor(5 * MIB, 100 * GIB))).toBeLessThanOrEqual(10_000);
    expect(partSizeFor(8 * MIB, undefined)).toBe(8 * MIB);
  });

  it("uploads a large stream as a multipart upload, with its content type", async () => {
    const { client, bucket, store } = await harness("multipart");
    const commands = recordCommands(client);
    const source = new ByteSource({ totalBytes: 12 * MIB });
    await store.putStream(key, source, { contentType: "application/zip" });
    expect(commands.filter((name) => name === "UploadPartCommand")).toHaveLength(3);
    expect(commands).toContain("CompleteMultipartUploadCommand");
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.ContentType).toBe("application/zip");
    expect(head.ContentLength).toBe(12 * MIB);
  });

  it("aborts the multipart upload it had started when the source fails", async () => {
    const { client, bucket, store } = await harness("multipart-fail");
    const commands = recordCommands(client);
    const source = new ByteSource({ totalBytes: 30 * MIB, failAfterBytes: 16 * MIB });
    await expect(store.putStream(key, source, { contentType: "application/zip" })).rejects.toThrow("part-way");
    expect(commands).toContain("CreateMultipartUploadCommand");
    expect(commands).toContain("AbortMultipartUploadCommand");
    expect(commands).not.toContain("CompleteMultipartUploadCommand");
    expect(await pendingUploads(client, bucket)).toEqual([]);
  });

  it("aborts the multipart upload it had started when the signal aborts", async () => {
    const { client, bucket, store } = await harness("multipart-abort");
    const commands = recordCommands(client);
    const source = new ByteSource({ totalBytes: 30 * MIB, stallAfterBytes: 16 * MIB });
    const controller = new AbortController();
    const upload = store.putStream(key, source, { contentType: "application/zip", signal: controller.signal });
    await source.stalled;
    controller.abort();
    await expect(upload).rejects.toMatchObject({ name: "AbortError" });
    expect(commands).toContain("CreateMultipartUploadCommand");
    expect(commands).toContain("AbortMultipartUploadCommand");
    expect(commands).not.toContain("CompleteMultipartUploadCommand");
    expect(await pendingUploads(client, bucket)).toEqual([]);
  });

  it("stores a small text object with its content type", async () => {
    const { client, bucket, store } = await harness("text");
    await store.putText("runs/s1/r1/summary.md", "# passed\n", "text/markdown; charset=utf-8");
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: "runs/s1/r1/summary.md" }));
    expect(head.ContentType).toBe("text/markdown; charset=utf-8");
  });

  it("presigns a download URL that fetches the stored bytes without credentials", async () => {
    const { store } = await harness("presign");
    const source = new ByteSource({ totalBytes: 300_000 });
    await store.putStream(key, source, { contentType: "application/zip" });
    const url = await store.presignDownload(key, 60);
    expect(url).toMatch(/X-Amz-Expires=60/);
    const response = await fetch(url ?? "");
    expect(response.status).toBe(200);
    expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(source.sha256());
  });

  it("presigns nothing for a key that does not exist", async () => {
    const { store } = await harness("presign-missing");
    expect(await store.presignDownload("runs/none/none/artifacts.zip", 60)).toBeUndefined();
  });
});
