/**
 * The one place an S3Client is configured. Against AWS the SDK's defaults stand; against
 * a custom endpoint (RADOS Gateway, MinIO) it uses path-style addressing and computes
 * checksums only when an operation requires them: with the SDK's default (a CRC32 on every
 * upload, sent as a trailer in aws-chunked framing), a streamed PutObject reaches some servers
 * with the chunk framing stored inside the bytes, or is refused with 411 Length Required.
 */
import { S3Client } from "@aws-sdk/client-s3";

export interface S3ClientOptions {
  /** S3-compatible endpoint (S3_ENDPOINT); undefined = AWS. */
  endpoint?: string;
  /** Defaults to the SDK's resolution (AWS_REGION) for AWS, and to us-east-1 for a custom endpoint. */
  region?: string;
  /** Static credentials; undefined = the SDK's default chain (the Lambda role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Attempts per request, retries included (SDK default 3). */
  maxAttempts?: number;
}

export function createS3Client(options: S3ClientOptions = {}): S3Client {
  const { endpoint, credentials, maxAttempts } = options;
  if (endpoint === undefined) {
    return new S3Client({
      ...(options.region !== undefined && { region: options.region }),
      ...(credentials !== undefined && { credentials }),
      ...(maxAttempts !== undefined && { maxAttempts }),
    });
  }
  return new S3Client({
    endpoint,
    region: options.region ?? "us-east-1",
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    ...(credentials !== undefined && { credentials }),
    ...(maxAttempts !== undefined && { maxAttempts }),
  });
}
