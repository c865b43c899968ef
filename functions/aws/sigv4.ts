/**
 * Signed AWS requests without a full SDK client, for the slack-http function, whose bundle
 * must stay small and quick to load: the SDK's own SigV4 signer (@smithy/signature-v4) with
 * node:crypto, credentials from the Lambda environment, endpoints overridable as the SDK's are
 * (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL).
 */
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import { backoffDelay, sleep } from "../core/util/backoff.js";

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

type Env = Record<string, string | undefined>;

/** sha256 / HMAC-sha256 in the shape the signer asks for. */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

export class AwsRequestError extends Error {
  override readonly name = "AwsRequestError";
  constructor(
    readonly service: string,
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${service}: HTTP ${status} ${code}${message ? `: ${message}` : ""}`);
  }
}

/** The Lambda runtime's credentials (its role's), from the environment. */
export function credentialsFromEnv(env: Env = process.env): AwsCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) throw new Error("AWS credentials are not in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)");
  return { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
}

export function regionFromEnv(env: Env = process.env): string {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new Error("AWS_REGION is not set");
  return region;
}

export function signer(service: string, region: string, credentials: AwsCredentials): SignatureV4 {
  return new SignatureV4({ service, region, credentials, sha256: Sha256, uriEscapePath: service !== "s3", applyChecksum: false });
}

/** The endpoint the SDK would use: AWS_ENDPOINT_URL_<SERVICE_ID>, then AWS_ENDPOINT_URL, then AWS's. */
export function endpointFor(serviceId: string, defaultHost: string, env: Env = process.env): URL {
  const override = env[`AWS_ENDPOINT_URL_${serviceId.toUpperCase().replaceAll(" ", "_")}`] ?? env.AWS_ENDPOINT_URL;
  return new URL(override ?? `https://${defaultHost}`);
}

export interface AwsJsonCallOptions {
  /** Signing name, e.g. "events", "secretsmanager". */
  service: string;
  /** X-Amz-Target, e.g. "AWSEvents.PutEvents". */
  target: string;
  endpoint: URL;
  region: string;
  credentials: AwsCredentials;
  body: unknown;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** One AWS JSON 1.1 call (EventBridge, Secrets Manager); a non-2xx answer throws AwsRequestError. */
export async function awsJsonCall<T>(options: AwsJsonCallOptions): Promise<T> {
  const body = JSON.stringify(options.body);
  const { endpoint } = options;
  const signed = await signer(options.service, options.region, options.credentials).sign({
    method: "POST",
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
    path: endpoint.pathname || "/",
    query: {},
    headers: { host: endpoint.host, "content-type": "application/x-amz-json-1.1", "x-amz-target": options.target },
    body,
  });
  const response = await (options.fetch ?? fetch)(endpoint, {
    method: "POST",
    headers: signed.headers,
    body,
    signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
  });
  return readAnswer<T>(options.service, response);
}

/** A JSON answer, or AwsRequestError naming the error type (from the body or, in REST APIs, the header). */
async function readAnswer<T>(service: string, response: Response): Promise<T> {
  const text = await response.text();
  if (!response.ok) {
    let code = (response.headers.get("x-amzn-errortype") ?? "").split(":")[0] || "UnknownError";
    let message = "";
    try {
      const parsed = JSON.parse(text) as { __type?: string; message?: string; Message?: string };
      code = (parsed.__type ?? code).split("#").at(-1) ?? code;
      message = parsed.message ?? parsed.Message ?? "";
    } catch {
      // Not JSON: keep the status alone; the body may echo request data.
    }
    throw new AwsRequestError(service, response.status, code, message);
  }
  return (text ? JSON.parse(text) : {}) as T;
}

export interface AwsRestCallOptions {
  /** Signing name, e.g. "scheduler". */
  service: string;
  method: "GET" | "POST" | "PUT" | "DELETE";
  endpoint: URL;
  /** The operation's path, e.g. /schedules/nightly (each segment already escaped). */
  path: string;
  query?: Record<string, string>;
  region: string;
  credentials: AwsCredentials;
  body?: unknown;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** One AWS REST-JSON call (EventBridge Scheduler); a non-2xx answer throws AwsRequestError. */
export async function awsRestJsonCall<T>(options: AwsRestCallOptions): Promise<T> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const { endpoint } = options;
  const path = `${endpoint.pathname.replace(/\/$/, "")}${options.path}`;
  const signed = await signer(options.service, options.region, options.credentials).sign({
    method: options.method,
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
    path,
    query: options.query ?? {},
    headers: { host: endpoint.host, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body }),
  });
  const url = new URL(path, endpoint);
  for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
  const response = await (options.fetch ?? fetch)(url, {
    method: options.method,
    headers: signed.headers,
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
  });
  return readAnswer<T>(options.service, response);
}

/** Throttling, 5xx and network failures are worth another try; other refusals are not. */
export const retryableAwsError = (error: unknown) =>
  !(error instanceof AwsRequestError) || error.status >= 500 || error.status === 429 || /Throttl/.test(error.code);

/** Runs `call` up to `attempts` times while it fails in a way worth retrying (core's backoff between). */
export async function withAwsRetries<T>(call: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !retryableAwsError(error)) throw error;
      await sleep(backoffDelay(attempt - 1, { baseMs: 50, maxMs: 500 }));
    }
  }
}
