/**
 * The archive browser over real HTTP on loopback, and raw requests to it: `fetch` would resolve
 * `..` and re-encode the path before sending it, so traversal attempts go out byte for byte
 * through node:http.
 */
import { request } from "node:http";
import { type ServerType, serve } from "@hono/node-server";
import type { Hono } from "hono";

export interface ServedApp {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function serveOnLoopback(app: Hono): Promise<ServedApp> {
  return new Promise((resolve) => {
    const server: ServerType = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            if ("closeAllConnections" in server) server.closeAllConnections();
            server.close(() => done());
          }),
      }),
    );
  });
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET of `path` exactly as written (no normalisation, no re-encoding). */
export function rawGet(port: number, path: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "GET", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}
