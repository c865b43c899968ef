/**
 * S3 GET links presigned with the SDK's own signer, without the S3 client. Every link asks S3
 * to serve the object as an attachment (`response-content-disposition`, signed into the link),
 * so an archived HTML file downloads instead of opening as a page on the bucket's domain.
 */
import { attachmentDisposition } from "../core/archive-browser/archive-serving.js";
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

/** `attachment; filename="artifacts.jsonl"` for the key's last name. */
export function keyDisposition(key: string): string {
  return attachmentDisposition(key.slice(key.lastIndexOf("/") + 1));
}

async function signedGet(target: S3Target, key: string, expiresIn: number): Promise<URL> {
  const url = objectUrl(target, key);
  const presigned = await signer("s3", target.region, target.credentials).presign(
    {
      method: "GET",
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: { "response-content-disposition": keyDisposition(key) },
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
  return (await signedGet(target, key, expiresIn)).toString();
}
