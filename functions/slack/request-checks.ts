/**
 * The checks every Slack request passes before a route sees it, as Hono middleware: size,
 * signature and content type (verify.ts; forms, or JSON for the Events API), in that order, so nothing else runs on an unverified
 * request; then the route's payload is read, and its response_url must be Slack's. A route
 * handler finds the verified body and the payload in its context variables.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { type AccessPolicy, responseUrlAllowed } from "../core/commands/access.js";
import type { Logger } from "../core/log.js";
import type { Clock } from "../core/ports.js";
import { isFormEncoded, isJson } from "./payloads.js";
import { verifySlackRequest } from "./verify.js";

/** What a route's reader makes of a verified form body. */
export type PayloadRead<P> = { kind: "read"; payload: P } | { kind: "ignored" } | { kind: "malformed" };

export interface SlackRequestVariables<P> {
  /** The body exactly as signed. */
  rawBody: string;
  payload: P;
}

export interface RequestCheckOptions {
  signingSecret: string;
  access: AccessPolicy;
  clock: Clock;
  maxBodyBytes: number;
  log: Logger;
}

export const tooLarge = (c: Context) => c.text("Payload Too Large", 413);

/** How a route's bodies come: their content type, and how a verified body is read. */
interface BodyFormat<P> {
  accepts(contentType: string | undefined): boolean;
  read(rawBody: string): PayloadRead<P>;
}

/** Form bodies (slash commands, interactions); Slack's `ssl_check` pings are answered 200. */
const formBody = <P>(readForm: (form: URLSearchParams) => PayloadRead<P>): BodyFormat<P> => ({
  accepts: isFormEncoded,
  read(rawBody) {
    const form = new URLSearchParams(rawBody);
    return form.get("ssl_check") === "1" ? { kind: "ignored" } : readForm(form);
  },
});

/** Verifies, reads and vets one route's Slack form requests; `route` names it in the logs. */
export function slackRequest<P extends { responseUrl?: string }>(options: RequestCheckOptions, route: string, readForm: (form: URLSearchParams) => PayloadRead<P>) {
  return verifiedRequest(options, route, formBody(readForm));
}

/** The same checks for a route whose bodies are JSON (the Events API). */
export function slackJsonRequest<P extends object>(options: RequestCheckOptions, route: string, read: (rawBody: string) => PayloadRead<P>) {
  return verifiedRequest(options, route, { accepts: isJson, read });
}

function verifiedRequest<P extends object>(options: RequestCheckOptions, route: string, format: BodyFormat<P>) {
  return createMiddleware<{ Variables: SlackRequestVariables<P> }>(async (c, next) => {
    const rawBody = await c.req.text();
    if (Buffer.byteLength(rawBody, "utf8") > options.maxBodyBytes) return tooLarge(c);
    const verified = verifySlackRequest({
      signingSecret: options.signingSecret,
      timestamp: c.req.header("x-slack-request-timestamp"),
      signature: c.req.header("x-slack-signature"),
      body: rawBody,
      nowSeconds: Math.floor(options.clock.now().getTime() / 1000),
    });
    if (!verified.ok) {
      options.log.warn("slack.request.rejected", { route, reason: verified.reason });
      return c.text("Unauthorized", 401);
    }
    if (!format.accepts(c.req.header("content-type"))) {
      options.log.warn("slack.request.rejected", { route, reason: "content_type" });
      return c.text("Unsupported Media Type", 415);
    }
    const read = format.read(rawBody);
    if (read.kind === "malformed") return c.text("Bad Request", 400);
    if (read.kind === "ignored") return c.body(null, 200);
    // Slack's response_urls are on hooks.slack.com: a signed request naming another host is refused.
    const { responseUrl } = read.payload as { responseUrl?: string };
    if (responseUrl !== undefined && !responseUrlAllowed(options.access, responseUrl)) {
      options.log.warn("slack.request.rejected", { route, reason: "response_url" });
      return c.text("Bad Request", 400);
    }
    c.set("rawBody", rawBody);
    c.set("payload", read.payload);
    await next();
  });
}
