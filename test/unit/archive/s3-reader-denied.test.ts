import type { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { S3ArchiveStore } from "../../../functions/archive/s3-archive-store.js";

/** A client whose every call S3 refuses as it refuses a reader without s3:ListBucket a missing key. */
const denying = { send: async () => Promise.reject(Object.assign(new Error("Access Denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } })) } as unknown as S3Client;

describe("S3ArchiveStore as archive-web's reader (GetObject under the prefix, no listing)", () => {
  it("reads a 403 as a missing key when told to, and as an error otherwise", async () => {
    const reader = new S3ArchiveStore({ client: denying, bucket: "b", deniedIsMissing: true });
    expect(await reader.stat("runs/index.html")).toBeUndefined();
    expect(await reader.read("runs/index.html")).toBeUndefined();
    const strict = new S3ArchiveStore({ client: denying, bucket: "b" });
    await expect(strict.stat("runs/index.html")).rejects.toThrow("Access Denied");
    await expect(strict.read("runs/index.html")).rejects.toThrow("Access Denied");
  });
});
