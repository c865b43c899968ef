/** The simulator as a Hono app: the Amigo HTTP contract over in-memory state. */
import { Hono } from "hono";
import { detail, type SimEnv } from "./hono-env.js";
import { registerArtifactRoutes } from "./routes-artifacts.js";
import { registerAuthRoutes } from "./routes-auth.js";
import { registerCatalogRoutes } from "./routes-catalog.js";
import { registerRunRoutes } from "./routes-runs.js";
import type { SimulatorState } from "./simulator-state.js";

export function createSimulatorApp(state: SimulatorState): Hono<SimEnv> {
  const app = new Hono<SimEnv>();
  // Outermost: log every answered request with the endpoint the guard recorded.
  app.use("*", async (c, next) => {
    await next();
    const endpoint = c.get("endpoint");
    if (endpoint === undefined) return;
    const url = new URL(c.req.url);
    state.log.record({
      endpoint,
      method: c.req.method,
      path: url.pathname,
      query: url.search,
      ...(endpoint === "download" && c.req.header("range") ? { range: c.req.header("range") } : {}),
      status: c.res.status,
      at: state.clock.now().toISOString(),
    });
  });
  registerAuthRoutes(app, state);
  registerRunRoutes(app, state);
  registerArtifactRoutes(app, state);
  registerCatalogRoutes(app, state);
  app.notFound((c) => detail(c, 404, "Not Found"));
  app.onError((error, c) => detail(c, 500, `Simulator error: ${error.message}`));
  return app;
}
