/** The Hono environment the simulator's routes share. */
import type { ServerResponse } from "node:http";
import type { Context } from "hono";
import type { UserInfo } from "../../core/model/amigo-model.js";
import type { SimEndpoint } from "./endpoints.js";
import type { ValidationItem } from "./query-params.js";

/** `outgoing` is there when @hono/node-server serves the app (the download faults use it). */
export type SimEnv = {
  Bindings: { outgoing?: ServerResponse } | undefined;
  Variables: { user: UserInfo; endpoint: SimEndpoint };
};
export type SimContext = Context<SimEnv>;

/** FastAPI's error body. */
export function detail(c: SimContext, status: 400 | 401 | 404 | 409 | 422 | 429 | 500 | 503, message: string | ValidationItem[]) {
  return c.json({ detail: message }, status);
}

export function invalid(c: SimContext, problems: ValidationItem[]) {
  return detail(c, 422, problems);
}
