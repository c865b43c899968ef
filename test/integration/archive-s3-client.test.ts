import { Readable } from "node:stream";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { createS3Client } from "../../functions/archive/s3-client.js";
import { freshBucket, testS3Server } from "../support/s3.js";

describe("createS3Client", () => {
  it("keeps the SDK's defaults for AWS itself", async () => {
    const client = createS3Client({ region: "eu-west-1" });
    expect(client.config.forcePathStyle).toBeFalsy();
    expect(await client.config.requestChecksumCalculation()).toBe("WHEN_SUPPORTED");
    expect(await client.config.region()).toBe("eu-west-1");
  });

  it("uses path-style addressing and checksums only when required for a custom endpoint", async () => {
    const client = createS3Client({ endpoint: "http://127.0.0.1:9000" });
    expect(client.config.forcePathStyle).toBe(true);
    expect(await client.config.requestChecksumCalculation()).toBe("WHEN_REQUIRED");
    expect(await client.config.responseChecksumValidation()).toBe("WHEN_REQUIRED");
    expect(await client.config.region()).toBe("us-east-1");
  });

  it("stores a streamed PutObject byte for byte on the test server (no chunk framing in the bytes)", async () => {
    const server = testS3Server();
    const { accessKeyId, secretAccessKey } = server;
    const client = createS3Client({ endpoint: server.endpoint, credentials: { accessKeyId, secretAccessKey } });
    const bucket = await freshBucket(client, "client");
    const bytes = Buffer.from("streamed body, exactly these bytes\n");
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: "k", Body: Readable.from([bytes]), ContentLength: bytes.byteLength }),
    );
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "k" }));
    expect(Buffer.from((await object.Body?.transformToByteArray()) ?? [])).toEqual(bytes);
  });
});
