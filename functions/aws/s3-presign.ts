/**
 * S3 GET links presigned with the SDK's own signer, without the S3 client: used by the
 * archive's S3 store and by slack-http (whose bundle must stay small) alike.
 */
import type { AwsCredentials } from "./sigv4.js";
import { signer } from "./sigv4.js";

export interface S3Target {
  bucket: string;
  region: string;
  credentials: AwsCredentials;
  /** S3-compatible endpoint (path-style); undefined = AWS (virtual-hosted). */
  endpoint?: string;
}

/** S3 caps presigned URLs at seven days. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

const rfc3986 = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function objectUrl(target: S3Target, key: string): URL {
  const path = key.split("/").map(rfc3986).join("/");
  if (target.endpoint) {
    const base = new URL(target.endpoint);
    return new URL(`${base.origin}${base.pathname.replace(/\/$/, "")}/${rfc3986(target.bucket)}/${path}`);
  }
  return new URL(`https://${target.bucket}.s3.${target.region}.amazonaws.com/${path}`);
}

async function signedRequest(target: S3Target, key: string, method: "GET" | "HEAD", expiresIn: number): Promise<URL> {
  const url = objectUrl(target, key);
  const presigned = await signer("s3", target.region, target.credentials).presign(
    {
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: {},
      headers: { host: url.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
    },
    { expiresIn },
  );
  const query = Object.entries(presigned.query ?? {})
    .flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((item) => `${rfc3986(name)}=${rfc3986(String(item ?? ""))}`))
    .join("&");
  return new URL(`${url.origin}${url.pathname}?${query}`);
}

/** A GET link for `key`, valid `expiresInSeconds` (clamped to 1 s .. 7 days). */
export async function presignS3Get(target: S3Target, key: string, expiresInSeconds: number): Promise<string> {
  const expiresIn = Math.min(MAX_PRESIGN_SECONDS, Math.max(1, Math.floor(expiresInSeconds)));
  return (await signedRequest(target, key, "GET", expiresIn)).toString();
}

/** Whether `key` exists (a presigned HEAD: 200 yes, 404/403 no; anything else throws). */
export async function s3ObjectExists(target: S3Target, key: string, fetchImpl: typeof fetch = fetch): Promise<boolean> {
  const response = await fetchImpl(await signedRequest(target, key, "HEAD", 60), { method: "HEAD", signal: AbortSignal.timeout(5_000) });
  if (response.ok) return true;
  if (response.status === 404 || response.status === 403) return false;
  throw new Error(`S3 answered HTTP ${response.status} to a HEAD of the archive`);
}
