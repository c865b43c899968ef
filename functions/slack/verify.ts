/**
 * Slack request verification (https://api.slack.com/authentication/verifying-requests-from-slack):
 * `x-slack-signature` must be `v0=` + the lower-case hex HMAC-SHA256 of
 * `v0:{x-slack-request-timestamp}:{raw body}` keyed with the signing secret, and the timestamp
 * within five minutes of now, either way. As strict as Slack's own SDKs: exactly one of each
 * header (two arrive joined by a comma, and fail), no upper-case digest, nothing around it.
 * Pure: the caller passes the headers, the exact raw body and the current time.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

export type VerifyFailure =
  | "no_signing_secret"
  | "missing_timestamp"
  | "bad_timestamp"
  | "stale_timestamp"
  | "future_timestamp"
  | "missing_signature"
  | "bad_signature_version"
  | "malformed_signature"
  | "signature_mismatch";

export type VerifyResult = { ok: true } | { ok: false; reason: VerifyFailure };

export interface VerifyInput {
  signingSecret: string;
  /** The `x-slack-request-timestamp` header, as received. */
  timestamp: string | null | undefined;
  /** The `x-slack-signature` header, as received. */
  signature: string | null | undefined;
  /** The exact raw body (decoded from base64 first when the platform encoded it). */
  body: string;
  /** Now, in seconds since the epoch. */
  nowSeconds: number;
}

export function signatureOf(signingSecret: string, timestamp: string, body: string): string {
  return `v0=${createHmac("sha256", signingSecret).update(`v0:${timestamp}:${body}`, "utf8").digest("hex")}`;
}

export function verifySlackRequest(input: VerifyInput): VerifyResult {
  if (!input.signingSecret) return { ok: false, reason: "no_signing_secret" };
  const timestamp = input.timestamp;
  if (!timestamp) return { ok: false, reason: "missing_timestamp" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "bad_timestamp" };
  const age = input.nowSeconds - Number(timestamp);
  if (age > MAX_CLOCK_SKEW_SECONDS) return { ok: false, reason: "stale_timestamp" };
  if (age < -MAX_CLOCK_SKEW_SECONDS) return { ok: false, reason: "future_timestamp" };

  const signature = input.signature;
  if (!signature) return { ok: false, reason: "missing_signature" };
  if (!signature.startsWith("v0=")) return { ok: false, reason: "bad_signature_version" };
  const hex = signature.slice("v0=".length);
  if (!/^[0-9a-f]{64}$/.test(hex)) return { ok: false, reason: "malformed_signature" };

  const expected = Buffer.from(signatureOf(input.signingSecret, timestamp, input.body).slice(3), "hex");
  const given = Buffer.from(hex, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected) ? { ok: true } : { ok: false, reason: "signature_mismatch" };
}
