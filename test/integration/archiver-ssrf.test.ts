/**
 * A hostile Amigo, as the archiver meets it: the simulator hands out artifact links (or
 * redirects, or bodies) that would make the archiver read a file, the Lambda runtime API on
 * 127.0.0.1:9001, cloud metadata or another host, or fill the bucket without end. Each is
 * refused before a byte is sent there, leaves nothing in the archive, announces nothing, and is
 * not retried with a fresh link (asking again cannot make it acceptable). Real servers on
 * loopback: the simulator, Ceph RGW for S3, and listeners that record whatever reaches them.
 * Links are judged as with Amigo in the cloud (https) unless a case says Amigo is a local
 * stand-in on loopback http, whose links may be plain http to loopback hosts on any port.
 */
import { ListMultipartUploadsCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { httpDownloader, type Resolver } from "../../functions/archive/artifact-download.js";
import { ArchiveFailed, ArtifactRefused, ArtifactTooLarge } from "../../functions/core/archiver/archive-run.js";
import type { EventOf } from "../../functions/core/events.js";
import { stateKeys } from "../../functions/core/idempotency/state-keys.js";
import { type Pipeline, startPipeline } from "../support/pipeline.js";

const MAX_BYTES = 2 * 1024 * 1024;
/** AMIGO_API_URL as in production: links are judged against it, the simulator still serves Amigo. */
const CLOUD_AMIGO = "https://api.amigo.example";

/** A listener that answers 200 and records every request: nothing may ever reach one. */
async function listener(host: string, port = 0): Promise<{ server: Server; url: string; hits: string[] } | undefined> {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(`${request.method} ${request.url}`);
    response.writeHead(200, { "content-type": "application/json" }).end('{"secret":"from the runtime API"}');
  });
  const bound = await new Promise<boolean>((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, host, () => resolve(true));
  });
  return bound ? { server, url: `http://${host}:${(server.address() as AddressInfo).port}`, hits } : undefined;
}

/** An S3 stand-in on another loopback port (as LocalStack is), serving one file. */
async function standIn(body: Buffer) {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(`${request.method} ${request.url}`);
    response.writeHead(200, { "content-type": "application/zip", "content-length": String(body.byteLength) }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, hits, url: `http://localhost:${(server.address() as AddressInfo).port}` };
}

let pipeline: Pipeline;
let elsewhere: NonNullable<Awaited<ReturnType<typeof listener>>>;
/** The runtime API's own address, when this machine lets a test listen there. */
let runtimeApi: Awaited<ReturnType<typeof listener>>;
/** A finished run every refusal is tried on: refused, it stays unarchived for the next case. */
let refused: { runId: string; setId: string };

beforeAll(async () => {
  elsewhere = (await listener("127.0.0.1"))!;
  runtimeApi = await listener("127.0.0.1", 9001);
  pipeline = await startPipeline({ label: "ssrf" });
  refused = await finishedRun(pipeline);
});
afterAll(async () => {
  elsewhere.server.close();
  runtimeApi?.server.close();
  await pipeline?.close();
});
beforeEach(async () => {
  pipeline.sim.control.faults.clear();
  // Every case refuses the same run: each starts from no failed tries, so none marks it failed.
  await pipeline.state.delete(stateKeys.artifactCopy(refused.runId));
});

async function finishedRun(p: Pipeline, bytes = 256 * 1024) {
  await p.poll();
  const runId = p.sim.control.createRun({ set: "Billing disputes", outcome: { durationMs: 1_000, artifactsDelayMs: 0, artifactBytes: bytes } });
  await p.poll();
  p.sim.control.advance(2_000);
  await p.poll();
  const ready = (p.ofType("Artifacts Ready") as EventOf<"Artifacts Ready">[]).find((e) => e.detail.runId === runId)?.detail;
  if (!ready) throw new Error("the poller did not report the artifacts as ready");
  return ready;
}

async function archiveOf(p: Pipeline, target: { runId: string; setId: string }) {
  const listed = await p.s3!.send(new ListObjectsV2Command({ Bucket: p.bucket, Prefix: `runs/${target.setId}/${target.runId}/` }));
  const uploads = await p.s3!.send(new ListMultipartUploadsCommand({ Bucket: p.bucket }));
  return { objects: (listed.Contents ?? []).map((o) => o.Key), uploads: uploads.Uploads ?? [] };
}

/** Archives with the production downloader, capped at MAX_BYTES; returns the error it failed with. */
async function refusal(p: Pipeline, target: { runId: string; setId: string }, amigoBaseUrl = p.sim.url, resolve?: Resolver): Promise<Error> {
  p.sim.control.resetRequests();
  const outcome = p.archiveRun(target, { download: httpDownloader({ amigoBaseUrl, maxBytes: MAX_BYTES, ...(resolve ? { resolve } : {}) }) });
  const error = await outcome.then(
    () => undefined,
    (reason: unknown) => reason as Error,
  );
  if (!error) throw new Error("the archive was made");
  return error;
}

async function expectNothingHappened(p: Pipeline, target: { runId: string; setId: string }) {
  expect(await archiveOf(p, target)).toEqual({ objects: [], uploads: [] });
  expect(p.ofType("Run Archived").filter((e) => (e.detail as { runId: string }).runId === target.runId)).toEqual([]);
  expect(elsewhere.hits).toEqual([]);
  expect(runtimeApi?.hits ?? []).toEqual([]);
  // One link asked for, not five: a refusal is final for this delivery.
  expect(p.sim.control.requests("getArtifacts")).toHaveLength(1);
}

describe("artifact links the archiver refuses", () => {
  /** [case, link, reason, refused also when Amigo is a local stand-in on loopback http] */
  const links: [string, () => string, RegExp, boolean][] = [
    ["plain http to another host", () => "http://amigo-artifacts.s3.amazonaws.com/runs/x/artifacts.zip", /uses http, not https/, true],
    ["a loopback server on another port", () => `${elsewhere.url}/artifacts.jsonl`, /uses http, not https/, false],
    ["a file: URL", () => "file:///etc/passwd", /uses file, not https/, true],
    ["a data: URL", () => "data:application/zip;base64,UEsDBBQAAAAIAA==", /uses data, not https/, true],
    ["the Lambda runtime API on 127.0.0.1:9001", () => "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next", /uses http, not https/, false],
    ["https to this machine", () => "https://127.0.0.1:9001/2018-06-01/runtime/invocation/next", /points at 127\.0\.0\.1:9001/, true],
    ["cloud metadata", () => "http://169.254.169.254/latest/meta-data/iam/security-credentials/", /uses http, not https/, true],
    ["https to a private address", () => "https://10.0.0.8/artifacts.zip", /points at 10\.0\.0\.8/, true],
    ["plain http to a private address", () => "http://10.0.0.8:4566/artifacts.zip", /uses http, not https/, true],
    ["credentials in the link, on Amigo's own origin", () => pipeline.sim.url.replace("http://", "http://amigo:hunter2@") + "/_artifacts/x/artifacts.jsonl", /carries credentials/, true],
  ];
  const cases = [
    ...links.map(([name, link, reason]) => [`${name} (Amigo in the cloud)`, link, reason, CLOUD_AMIGO] as const),
    ...links.filter(([, , , local]) => local).map(([name, link, reason]) => [`${name} (Amigo a local stand-in)`, link, reason, undefined] as const),
  ];

  it.each(cases)("%s", async (_name, link, reason, amigoBaseUrl) => {
    const target = refused;
    pipeline.sim.control.faults.handOutLink(`${link()}${link().startsWith("data:") ? "" : "?X-Amz-Signature=s3cr3t-signature"}`);
    const error = await refusal(pipeline, target, amigoBaseUrl ?? pipeline.sim.url);
    expect(error).toBeInstanceOf(ArtifactRefused);
    expect(error.message).toMatch(reason);
    expect(error.message).not.toMatch(/s3cr3t|hunter2/);
    await expectNothingHappened(pipeline, target);
    expect(pipeline.sim.control.requests("download")).toEqual([]);
  });
});

describe("Amigo a local stand-in on loopback http (#22)", () => {
  it("archives plain http links to a loopback host on any port, byte for byte", async () => {
    const body = Buffer.from("PK\u0003\u0004 an artifact from a LocalStack-like stand-in ".repeat(2_000));
    const s3 = await standIn(body);
    try {
      const target = await finishedRun(pipeline);
      pipeline.sim.control.faults.handOutLink(`${s3.url}/amigo-artifacts/runs/${target.runId}.zip?X-Amz-Signature=sig`);
      const outcome = await pipeline.archiveRun(target, { download: httpDownloader({ amigoBaseUrl: pipeline.sim.url, maxBytes: MAX_BYTES }) });
      expect(outcome.status).toBe("archived");
      expect(outcome.status === "archived" && outcome.detail).toMatchObject({ size: body.byteLength, sha256: createHash("sha256").update(body).digest("hex") });
      expect(s3.hits).toEqual([`GET /amigo-artifacts/runs/${target.runId}.zip?X-Amz-Signature=sig`]);
    } finally {
      s3.server.close();
    }
  });
});

describe("host names checked on the address they resolve to (#21)", () => {
  /** A resolver with a few public-looking names that point at this machine or a private network. */
  const resolver =
    (answers: Record<string, string[]>): Resolver =>
    async (hostname) => {
      const addresses = answers[hostname];
      if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
      return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
    };
  const names = {
    "artifacts.amigo-cdn.example": ["127.0.0.1"],
    "metadata.amigo-cdn.example": ["169.254.169.254"],
    "mixed.amigo-cdn.example": ["52.216.8.1", "10.0.0.8"],
    "v6.amigo-cdn.example": ["::1"],
    localhost: ["127.0.0.1"],
  };

  it.each([
    ["a public name resolving to 127.0.0.1", () => `https://artifacts.amigo-cdn.example:${new URL(elsewhere.url).port}/x.zip`, CLOUD_AMIGO, /its host artifacts\.amigo-cdn\.example resolves to 127\.0\.0\.1, an address on this machine/],
    ["a name resolving to cloud metadata", () => "https://metadata.amigo-cdn.example/latest/meta-data/", CLOUD_AMIGO, /resolves to 169\.254\.169\.254/],
    ["a name with one public and one private address", () => "https://mixed.amigo-cdn.example/x.zip", CLOUD_AMIGO, /resolves to 10\.0\.0\.8/],
    ["a name resolving to ::1", () => "https://v6.amigo-cdn.example/x.zip", CLOUD_AMIGO, /resolves to ::1/],
    ["with a local Amigo, an https name resolving to loopback", () => `https://artifacts.amigo-cdn.example:${new URL(elsewhere.url).port}/x.zip`, undefined, /resolves to 127\.0\.0\.1/],
  ])("%s: refused before connecting", async (_name, link, amigoBaseUrl, reason) => {
    const target = refused;
    pipeline.sim.control.faults.handOutLink(`${link()}?X-Amz-Signature=s3cr3t-signature`);
    const error = await refusal(pipeline, target, amigoBaseUrl ?? pipeline.sim.url, resolver(names));
    expect(error).toBeInstanceOf(ArtifactRefused);
    expect(error.message).toMatch(reason);
    expect(error.message).not.toMatch(/s3cr3t/);
    await expectNothingHappened(pipeline, target);
  });

  it("a redirect to a public name resolving to 127.0.0.1: refused, nothing sent there", async () => {
    const target = refused;
    pipeline.sim.control.faults.failNext("download", { status: 302, redirectTo: `https://artifacts.amigo-cdn.example:${new URL(elsewhere.url).port}/stolen` });
    const error = await refusal(pipeline, target, pipeline.sim.url, resolver(names));
    expect(error).toBeInstanceOf(ArtifactRefused);
    expect(error.message).toMatch(/after 1 redirect\): its host artifacts\.amigo-cdn\.example resolves to 127\.0\.0\.1/);
    await expectNothingHappened(pipeline, target);
    expect(pipeline.sim.control.requests("download")).toHaveLength(1);
  });

  it("with a local Amigo, a loopback name resolving to loopback is fetched (the local stand-in rule)", async () => {
    const body = Buffer.from("an artifact on a loopback stand-in\n".repeat(1_000));
    const s3 = await standIn(body);
    const asked: string[] = [];
    const resolve = resolver(names);
    try {
      const target = await finishedRun(pipeline);
      pipeline.sim.control.faults.handOutLink(`${s3.url}/x.zip`);
      const outcome = await pipeline.archiveRun(target, {
        download: httpDownloader({ amigoBaseUrl: pipeline.sim.url, maxBytes: MAX_BYTES, resolve: (hostname) => (asked.push(hostname), resolve(hostname)) }),
      });
      expect(outcome.status === "archived" && outcome.detail.sha256).toBe(createHash("sha256").update(body).digest("hex"));
      expect(asked).toEqual(["localhost"]);
    } finally {
      s3.server.close();
    }
  });
});

describe("redirects from an artifact link", () => {
  const redirects: [string, () => string, RegExp][] = [
    ["to another host", () => "http://amigo-artifacts.s3.amazonaws.com/stolen", /after 1 redirect\) uses http, not https/],
    ["to cloud metadata", () => "http://169.254.169.254/latest/meta-data/iam/security-credentials/", /uses http, not https/],
    ["to https on this machine", () => "https://127.0.0.1:9001/", /points at 127\.0\.0\.1:9001/],
    ["to a file", () => "file:///etc/passwd", /uses file, not https/],
    ["to a link carrying credentials", () => `${pipeline.sim.url.replace("http://", "http://user:pass@")}/_artifacts/x/artifacts.jsonl`, /carries credentials/],
  ];

  it.each(redirects)("%s: refused, and nothing is sent there", async (_name, location, reason) => {
    const target = refused;
    pipeline.sim.control.faults.failNext("download", { status: 302, redirectTo: location() });
    const error = await refusal(pipeline, target);
    expect(error).toBeInstanceOf(ArtifactRefused);
    expect(error.message).toMatch(reason);
    await expectNothingHappened(pipeline, target);
    expect(pipeline.sim.control.requests("download")).toHaveLength(1);
  });

  it("follows at most 3: a fourth is refused, three still archive the file byte for byte", async () => {
    const target = await finishedRun(pipeline);
    pipeline.sim.control.faults.failNext("download", { status: 307, redirectTo: "self", count: 4 });
    const error = await refusal(pipeline, target);
    expect(error).toBeInstanceOf(ArtifactRefused);
    expect(error.message).toMatch(/redirected more than 3 times/);
    await expectNothingHappened(pipeline, target);

    pipeline.sim.control.faults.clear();
    pipeline.sim.control.faults.failNext("download", { status: 302, redirectTo: "self", count: 3 });
    const outcome = await pipeline.archiveRun(target, { download: httpDownloader({ amigoBaseUrl: pipeline.sim.url, maxBytes: MAX_BYTES }) });
    expect(outcome.status).toBe("archived");
    const expected = pipeline.sim.control.expectedArtifact(target.runId);
    expect(outcome.status === "archived" && outcome.detail).toMatchObject({ size: expected.size, sha256: expected.sha256 });
  });
});

describe("artifact bodies over ARCHIVE_MAX_BYTES", () => {
  it("an endless body is cut off at the cap, leaves no object or upload behind, and is not fetched again", async () => {
    const target = refused;
    pipeline.sim.control.faults.streamEndlessly(5);
    const error = await refusal(pipeline, target);
    expect(error).toBeInstanceOf(ArtifactTooLarge);
    expect(error).toBeInstanceOf(ArchiveFailed);
    expect(error.message).toMatch(/larger than ARCHIVE_MAX_BYTES \(2097152 bytes\)/);
    await expectNothingHappened(pipeline, target);
    expect(pipeline.sim.control.requests("download")).toHaveLength(1);
  });

  it("a Content-Length over the cap is refused before the body is read", async () => {
    const target = await finishedRun(pipeline, MAX_BYTES + 1);
    const error = await refusal(pipeline, target);
    expect(error).toBeInstanceOf(ArtifactTooLarge);
    expect(error.message).toBe(`the artifact file is ${MAX_BYTES + 1} bytes, more than ARCHIVE_MAX_BYTES (${MAX_BYTES})`);
    await expectNothingHappened(pipeline, target);
  });

  it("a file of exactly the cap is archived", async () => {
    const target = await finishedRun(pipeline, MAX_BYTES);
    const outcome = await pipeline.archiveRun(target, { download: httpDownloader({ amigoBaseUrl: pipeline.sim.url, maxBytes: MAX_BYTES }) });
    expect(outcome.status === "archived" && outcome.detail.size).toBe(MAX_BYTES);
  });
});
