/**
 * Answers through a slash command's or a button's response_url (valid 30 minutes, 5 uses):
 * a plain fetch of JSON, no token involved. Failures say, like chat.postMessage's, whether
 * the answer may have been shown anyway (`mayHavePosted`).
 */
import { ChatError, type ChatMessage, type RespondOptions } from "../core/chat.js";
import { renderings, type SlackMessage } from "./blocks.js";
import { sendFirstTaken } from "./limits.js";
import { transportError, transportFailure } from "./transport-failure.js";

export type Responder = (responseUrl: string, message: ChatMessage, options: RespondOptions) => Promise<void>;

export interface ResponderOptions {
  /** Per-call timeout (ms). */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

export function responseUrlResponder(options: ResponderOptions = {}): Responder {
  const timeoutMs = options.timeoutMs ?? 3000;
  const doFetch = options.fetch ?? globalThis.fetch;
  return async (responseUrl, message, respondOptions) => {
    if (!/^https?:\/\//.test(responseUrl)) throw new ChatError("bad_response_url", "response_url is not an http(s) URL", false);
    await sendFirstTaken(renderings(message), (rendered) => post(responseUrl, rendered, respondOptions));
  };

  async function post(responseUrl: string, rendered: SlackMessage, respondOptions: RespondOptions): Promise<void> {
    let response: Response;
    try {
      response = await doFetch(responseUrl, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8" },
        body: JSON.stringify({
          response_type: respondOptions.visibility,
          replace_original: respondOptions.replaceOriginal ?? false,
          text: rendered.text,
          blocks: rendered.blocks,
        }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw transportError(transportFailure(error), "response_url call");
    }
    const body = await response.text().catch(() => "");
    if (response.status === 429) {
      const retryAfter = Number(response.headers.get("retry-after"));
      throw new ChatError("rate_limited", "response_url is rate limited", true, Number.isFinite(retryAfter) ? retryAfter : undefined);
    }
    if (!response.ok) {
      const serverError = response.status >= 500;
      throw new ChatError(errorCode(body) ?? "http_error", `response_url answered HTTP ${response.status}`, serverError, undefined, {
        mayHavePosted: serverError,
      });
    }
    const code = errorCode(body);
    if (code) throw new ChatError(code, `response_url answered ${code}`, false);
  }
}

/** Slack answers response_url posts with `ok`, `{"ok":true}`, or an error word / `{"ok":false,"error":...}`. */
function errorCode(body: string): string | undefined {
  const trimmed = body.trim();
  if (trimmed === "" || trimmed === "ok") return undefined;
  try {
    const parsed = JSON.parse(trimmed) as { ok?: unknown; error?: unknown };
    if (parsed.ok === false) return typeof parsed.error === "string" ? parsed.error : "unknown_error";
    return undefined;
  } catch {
    return /^[a-z_]{1,64}$/.test(trimmed) ? trimmed : undefined;
  }
}
