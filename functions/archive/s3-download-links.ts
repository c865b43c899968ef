/**
 * Download links to archived objects without the S3 client (for slack-http): a presigned
 * HEAD to see the object exists, then a presigned GET, both with the Lambda role's credentials.
 */
import { presignS3Get, s3ObjectExists } from "../aws/s3-presign.js";
import { credentialsFromEnv, regionFromEnv } from "../aws/sigv4.js";
import type { ArchiveStore } from "../core/ports.js";

export function s3DownloadLinks(options: { bucket: string; endpoint?: string }): Pick<ArchiveStore, "locationOf" | "presignDownload"> {
  const target = () => ({
    bucket: options.bucket,
    region: options.endpoint ? (process.env.AWS_REGION ?? "us-east-1") : regionFromEnv(),
    credentials: credentialsFromEnv(),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
  return {
    locationOf: (key) => `s3://${options.bucket}/${key}`,
    async presignDownload(key, expiresInSeconds) {
      const where = target();
      return (await s3ObjectExists(where, key)) ? presignS3Get(where, key, expiresInSeconds) : undefined;
    },
  };
}
