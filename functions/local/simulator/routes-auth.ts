/** POST /v1/{org}/user/signin_with_api_key */
import type { Hono } from "hono";
import { guard } from "./guard.js";
import { detail, type SimEnv } from "./hono-env.js";
import type { SimulatorState } from "./simulator-state.js";

export function registerAuthRoutes(app: Hono<SimEnv>, state: SimulatorState): void {
  app.post("/v1/:org/user/signin_with_api_key", guard(state, "signIn"), (c) => {
    const issued = state.signIn(c.req.header("x-api-key") ?? "", c.req.header("x-api-key-id") ?? "", c.req.header("x-user-id") ?? "");
    if (issued === undefined) return detail(c, 401, "API key not found, is incorrect, or the requested user is not found.");
    return c.json({ id_token: issued.token, expires_at: new Date(issued.expiresAtMs).toISOString() });
  });
}
