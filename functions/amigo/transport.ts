/**
 * One HTTP attempt against Amigo: fetch with a per-request timeout, body read as JSON
 * (or text when it is not JSON). Connection failures and timeouts become typed errors;
 * HTTP statuses are returned as they are, for the caller to interpret. Redirects are never
 * followed: fetch would carry the sign-in's API key headers (and the bearer token) to
 * wherever the Location points.
 */
import { AmigoNetworkError, AmigoTimeout } from "../core/model/amigo-errors.js";
import { type AmigoEndpoint, describeEndpoint } from "./endpoints.js";

export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

export interface Attempt {
  endpoint: AmigoEndpoint;
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface Answer {
  status: number;
  headers: Headers;
  /** Parsed JSON, the raw text when it is not JSON, undefined when empty. */
  body: unknown;
}

export async function sendAttempt(fetchImpl: FetchLike, attempt: Attempt): Promise<Answer> {
  const timeout = AbortSignal.timeout(attempt.timeoutMs);
  const signal = attempt.signal === undefined ? timeout : AbortSignal.any([timeout, attempt.signal]);
  const where = describeEndpoint(attempt.endpoint);
  try {
    const response = await fetchImpl(attempt.url, {
      method: attempt.method,
      headers: attempt.headers,
      redirect: "manual",
      ...(attempt.body === undefined ? {} : { body: attempt.body }),
      signal,
    });
    // The timeout covers the body too: a server that stalls mid-answer is a timeout.
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: parseBody(text) };
  } catch (error) {
    if (timeout.aborted) {
      throw new AmigoTimeout(`Amigo did not answer ${where} within ${attempt.timeoutMs} ms`, { endpoint: where });
    }
    if (attempt.signal?.aborted) throw attempt.signal.reason ?? error;
    // The cause's message may name the host, never a header; keep only its code/message.
    const reason = error instanceof Error ? describeCause(error) : String(error);
    throw new AmigoNetworkError(`Could not reach Amigo for ${where}: ${reason}`, { endpoint: where });
  }
}

function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function describeCause(error: Error): string {
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === "string" ? `${code} (${cause.message})` : cause.message;
  }
  return error.message;
}
