import { PutObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { S3StateStore } from "../../functions/archive/s3-state-store.js";
import { s3WithFreshBucket } from "../support/s3.js";
import { describeStateStoreContract } from "../support/state-store-contract.js";

// A small page size, so listing crosses pages in the contract's paging test.
describeStateStoreContract("S3StateStore on a real S3 server", async () => {
  const { client, bucket } = await s3WithFreshBucket("state");
  return new S3StateStore({ client, bucket, listPageSize: 5 });
});

describe("S3StateStore", () => {
  it("stores state as JSON objects a person can read in the bucket", async () => {
    const { client, bucket } = await s3WithFreshBucket("state-json");
    const store = new S3StateStore({ client, bucket });
    await store.create("_simwatch/runs/r1/origin.json", { channelId: "C1" });
    const { GetObjectCommand } = await import("@aws-sdk/client-s3");
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "_simwatch/runs/r1/origin.json" }));
    expect(object.ContentType).toBe("application/json");
    expect(JSON.parse((await object.Body?.transformToString()) ?? "")).toEqual({ channelId: "C1" });
  });

  it("sees a version changed by another writer as stale", async () => {
    const { client, bucket } = await s3WithFreshBucket("state-other-writer");
    const store = new S3StateStore({ client, bucket });
    const key = "_simwatch/poller/cursor.json";
    await store.create(key, { n: 1 });
    const read = await store.get(key);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: '{"n":2}' }));
    expect(await store.replace(key, { n: 3 }, read?.etag ?? "")).toBe(false);
    expect((await store.get(key))?.value).toEqual({ n: 2 });
  });

  it("keeps working with a fresh store instance per call (as in Lambda cold starts)", async () => {
    const { client, bucket } = await s3WithFreshBucket("state-fresh");
    const key = "_simwatch/poller/cursor.json";
    await new S3StateStore({ client, bucket }).create(key, { n: 1 });
    for (let n = 2; n <= 4; n++) {
      const store = new S3StateStore({ client, bucket });
      const read = await store.get<{ n: number }>(key);
      expect(await store.replace(key, { n }, read?.etag ?? "")).toBe(true);
    }
    expect((await new S3StateStore({ client, bucket }).get(key))?.value).toEqual({ n: 4 });
  });
});

describe("S3StateStore against a bucket that does not exist", () => {
  it("fails loudly instead of reading every key as absent", async () => {
    const { client } = await s3WithFreshBucket("state-nobucket");
    const store = new S3StateStore({ client, bucket: "simwatch-no-such-bucket-0000" });
    await expect(store.get("_simwatch/poller/cursor.json")).rejects.toMatchObject({ name: "NoSuchBucket" });
  });
});
