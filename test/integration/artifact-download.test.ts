/**
 * The archiver's downloader against real listeners on loopback: it hands over the file as
 * stored (a Content-Encoding is not undone, so the bytes and their Content-Length agree), gives up
 * on a connection that stops sending, and closes the connection when its reader stops early or
 * the archiver is aborted, so no socket outlives the attempt.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { httpDownloader } from "../../functions/archive/artifact-download.js";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A listener on loopback; `closed` resolves when the client's connection goes away. */
async function serve(handler: (request: IncomingMessage, response: ServerResponse) => void) {
  let onClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (onClosed = resolve));
  const server = createServer((request, response) => {
    request.socket.once("close", () => onClosed());
    handler(request, response);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/artifacts.jsonl.gz`;
  return { url, closed };
}

const downloader = (url: string, idleTimeoutMs?: number) =>
  httpDownloader({ amigoBaseUrl: new URL(url).origin, maxBytes: 1 << 30, ...(idleTimeoutMs ? { idleTimeoutMs } : {}) });

async function bytesOf(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe("the artifact downloader", () => {
  it("hands over a gzip-encoded file as stored, its Content-Length matching the bytes", async () => {
    const stored = gzipSync(Buffer.from('{"turn":1}\n'.repeat(5_000)));
    const { url } = await serve((request, response) => {
      response.writeHead(200, { "content-type": "application/x-ndjson", "content-encoding": "gzip", "content-length": stored.length }).end(stored);
    });
    const opened = await downloader(url).open(url);
    expect(opened).toMatchObject({ status: 200, contentLength: stored.length, contentType: "application/x-ndjson" });
    expect((await bytesOf(opened.body)).equals(stored)).toBe(true);
  });

  it("gives up on a connection that stops sending, naming how long it waited", async () => {
    const { url } = await serve((request, response) => {
      response.writeHead(200, { "content-length": 1_000_000 });
      response.write(Buffer.alloc(1_000));
    });
    const opened = await downloader(url, 300).open(url);
    await expect(bytesOf(opened.body)).rejects.toThrow("the artifacts URL sent nothing for 0.3 s");
  });

  it("closes the connection when its reader stops early", async () => {
    const server = await serve((request, response) => {
      response.writeHead(200, { "content-length": 64 * 1024 * 1024 });
      const chunk = Buffer.alloc(64 * 1024);
      const pump = () => {
        while (response.write(chunk));
      };
      response.on("drain", pump);
      pump();
    });
    const opened = await downloader(server.url).open(server.url);
    for await (const chunk of opened.body) if (chunk.byteLength > 0) break;
    await expect(server.closed).resolves.toBeUndefined();
  });

  it("closes the connection when its reader gives up before reading anything", async () => {
    const server = await serve((request, response) => {
      response.writeHead(200, { "content-length": 1_000_000 });
      response.write(Buffer.alloc(1_000));
    });
    const opened = await downloader(server.url).open(server.url);
    await opened.body[Symbol.asyncIterator]().return?.();
    await expect(server.closed).resolves.toBeUndefined();
  });

  it("closes the connection when the archiver is aborted mid-body", async () => {
    const server = await serve((request, response) => {
      response.writeHead(200, { "content-length": 1_000_000 });
      response.write(Buffer.alloc(1_000));
    });
    const abort = new AbortController();
    const opened = await downloader(server.url).open(server.url, abort.signal);
    const reading = bytesOf(opened.body);
    abort.abort(new Error("the archiver's lease was lost"));
    await expect(reading).rejects.toThrow();
    await expect(server.closed).resolves.toBeUndefined();
  });
});

