/**
 * What happens before any handler, in the order a real gateway would: injected faults
 * and latency, the organization check, authentication, then the per-endpoint rate
 * limit. Also records the endpoint so the request log can name it, and breaks a good
 * list answer afterwards when a test asked for malformed records.
 */
import { createMiddleware } from "hono/factory";
import { answersPages, corruptPage } from "./corrupt-answer.js";
import type { SimEndpoint } from "./endpoints.js";
import { detail, type SimContext, type SimEnv } from "./hono-env.js";
import type { SimulatorState } from "./simulator-state.js";

export function guard(state: SimulatorState, endpoint: SimEndpoint) {
  return createMiddleware<SimEnv>(async (c, next) => {
    c.set("endpoint", endpoint);
    const delay = state.faults.takeDelay(endpoint);
    if (delay !== undefined) await new Promise((resolve) => setTimeout(resolve, delay.ms));
    const fault = state.faults.takeError(endpoint);
    if (fault?.redirectTo !== undefined) {
      c.header("Location", fault.redirectTo === "self" ? c.req.url : fault.redirectTo);
      return c.body(null, (fault.status ?? 307) as 301 | 302 | 303 | 307 | 308);
    }
    if (fault !== undefined) {
      const status = fault.status ?? 503;
      if (fault.retryAfterSeconds !== undefined) c.header("Retry-After", String(fault.retryAfterSeconds));
      const message = fault.detail ?? (status === 429 ? "Rate limit exceeded." : "The service is going through temporary maintenance.");
      return c.json({ detail: message }, status as 429 | 500 | 502 | 503 | 504);
    }
    if (endpoint === "download") return next();

    if (c.req.param("org") !== state.orgId) return detail(c, 404, "Specified organization is not found.");
    let caller: string;
    if (endpoint === "signIn") {
      caller = c.req.header("x-api-key-id") ?? "";
    } else {
      const user = state.authenticate(c.req.header("authorization"));
      if (user === undefined) return detail(c, 401, "Invalid authorization credentials.");
      c.set("user", user);
      caller = user.user_id;
    }
    const limit = state.limiter.check(endpoint, caller, state.clock.nowMs());
    if (limit !== undefined) {
      c.header("X-RateLimit-Limit", String(limit.limit));
      c.header("X-RateLimit-Remaining", String(limit.remaining));
      if (limit.retryAfterSeconds !== undefined) {
        c.header("Retry-After", String(limit.retryAfterSeconds));
        return detail(c, 429, `Rate limit of ${limit.limit} requests per minute exceeded for this endpoint.`);
      }
    }
    await next();
    await corruptIfAsked(c, state, endpoint);
  });
}

async function corruptIfAsked(c: SimContext, state: SimulatorState, endpoint: SimEndpoint): Promise<void> {
  if (!c.res.ok || !answersPages(endpoint)) return;
  const corruption = state.faults.takeCorruption(endpoint);
  if (corruption === undefined) return;
  const body: unknown = await c.res.json();
  c.res = new Response(JSON.stringify(corruptPage(endpoint, body, corruption)), {
    status: c.res.status,
    headers: { "content-type": "application/json" },
  });
}
