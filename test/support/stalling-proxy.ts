/**
 * A slow S3 for tests: an HTTP proxy on loopback in front of a real server that holds every
 * request until released, then forwards it byte for byte (Host header included, so SigV4
 * signatures made for the proxy's address still verify at the server behind it).
 */
import { createServer, type IncomingMessage, request as forward, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface StallingProxy {
  /** Base URL to give clients instead of the target's. */
  url: string;
  /** Requests received and still held. */
  held(): number;
  /** Requests received so far. */
  received(): number;
  /** Forwards what is held, and everything from now on. */
  release(): void;
  close(): Promise<void>;
}

export async function startStallingProxy(target: string): Promise<StallingProxy> {
  const upstream = new URL(target);
  let released = false;
  let received = 0;
  const waiting: (() => void)[] = [];

  const pass = (request: IncomingMessage, response: ServerResponse) => {
    const outgoing = forward(
      { hostname: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    outgoing.on("error", () => response.destroy());
    request.pipe(outgoing);
  };

  const server = createServer((request, response) => {
    received++;
    if (released) pass(request, response);
    else waiting.push(() => pass(request, response));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held: () => waiting.length,
    received: () => received,
    release() {
      released = true;
      for (const go of waiting.splice(0)) go();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
