/**
 * The S3 server the integration tests talk to, as global setup provides it to every test
 * file (`inject("s3")`) and to child processes (the S3_TEST_* environment variables).
 */
export interface S3TestServer {
  /** e.g. http://127.0.0.1:41234 (path-style). */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** "rgw" when global setup started Ceph's RADOS Gateway, "external" for S3_TEST_ENDPOINT. */
  kind: "rgw" | "external";
}

declare module "vitest" {
  export interface ProvidedContext {
    s3: S3TestServer;
  }
}

export const S3_TEST_ENV = {
  endpoint: "S3_TEST_ENDPOINT",
  region: "S3_TEST_REGION",
  accessKeyId: "S3_TEST_ACCESS_KEY_ID",
  secretAccessKey: "S3_TEST_SECRET_ACCESS_KEY",
} as const;

/** The server named by S3_TEST_ENDPOINT (and its keys), if any. */
export function externalS3Server(env: NodeJS.ProcessEnv): S3TestServer | undefined {
  const endpoint = env[S3_TEST_ENV.endpoint]?.trim();
  if (!endpoint) return undefined;
  const accessKeyId = env[S3_TEST_ENV.accessKeyId]?.trim();
  const secretAccessKey = env[S3_TEST_ENV.secretAccessKey]?.trim();
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(
      `${S3_TEST_ENV.endpoint} is set, so ${S3_TEST_ENV.accessKeyId} and ${S3_TEST_ENV.secretAccessKey} must be set too.`,
    );
  }
  const region = env[S3_TEST_ENV.region]?.trim() || "us-east-1";
  return { endpoint, region, accessKeyId, secretAccessKey, kind: "external" };
}

/** Exports the server to the environment, for child processes the tests start. */
export function exportS3Server(server: S3TestServer, env: NodeJS.ProcessEnv): void {
  env[S3_TEST_ENV.endpoint] = server.endpoint;
  env[S3_TEST_ENV.region] = server.region;
  env[S3_TEST_ENV.accessKeyId] = server.accessKeyId;
  env[S3_TEST_ENV.secretAccessKey] = server.secretAccessKey;
}
