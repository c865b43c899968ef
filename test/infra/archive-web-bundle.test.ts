/**
 * archive-web bundled as the stack bundles it (esbuild, minified ESM with the require banner), run
 * in a process of its own as Lambda runs it, and driven with Function URL events: a stranger is
 * sent to Sign in with Slack (the stand-in), comes back signed in, and reads a run's report from
 * the bucket (the S3 server) with GetObject alone; a missing page is a 404, state is out of reach.
 */
import { type ChildProcess, fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleLambda } from "../../bench/lambda-bundle.js";
import { S3ArchiveStore } from "../../functions/archive/s3-archive-store.js";
import { handlerEntry } from "../../infra/paths.js";
import { s3WithFreshBucket, testS3Server } from "../support/s3.js";
import { type SlackOidcStub, startSlackOidcStub } from "../support/slack-oidc-stub.js";

const SET = "695b7d90a1b2c3d4e5f60718";
const RUN = "6b10687a0000000000000001";
const HOST = "abc123.lambda-url.us-east-1.on.aws";
const outdir = mkdtempSync(path.join(tmpdir(), "simwatch-archive-web-"));
let child: ChildProcess;
let stub: SlackOidcStub;

interface LambdaAnswer {
  statusCode: number;
  headers: Record<string, string>;
  cookies?: string[];
  body: string;
  isBase64Encoded: boolean;
}

function functionUrlGet(pathAndQuery: string, cookies: string[] = []) {
  const [rawPath, rawQueryString = ""] = pathAndQuery.split("?");
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString,
    cookies,
    headers: { host: HOST, "user-agent": "test" },
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      domainName: HOST,
      domainPrefix: "abc123",
      http: { method: "GET", path: rawPath, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "test" },
      requestId: randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
  };
}

let pending = new Map<string, (answer: LambdaAnswer) => void>();
function invoke(pathAndQuery: string, cookies: string[] = []): Promise<LambdaAnswer> {
  const id = randomUUID();
  return new Promise((resolve) => {
    pending.set(id, resolve);
    child.send({ id, event: functionUrlGet(pathAndQuery, cookies) });
  });
}

const cookiePair = (answer: LambdaAnswer, name: string) => (answer.cookies ?? []).find((line) => line.startsWith(`${name}=`))?.split(";")[0];

beforeAll(async () => {
  stub = await startSlackOidcStub();
  const s3 = testS3Server();
  const { client, bucket } = await s3WithFreshBucket("archive-web");
  const store = new S3ArchiveStore({ client, bucket });
  await store.putText(`runs/${SET}/${RUN}/report.html`, "<p>bundled report</p>", "text/html; charset=utf-8");
  await store.putText("_simwatch/poller/watchlist.json", "{}", "application/json");
  const bundle = await bundleLambda("archive-web", { path: handlerEntry("archive-web") }, outdir);
  const runner = path.join(outdir, "runner.mjs");
  writeFileSync(
    runner,
    `import { handler } from ${JSON.stringify(`file://${bundle.file}`)};
process.on("message", async ({ id, event }) => process.send({ id, answer: await handler(event, { awsRequestId: id, getRemainingTimeInMillis: () => 10000 }) }));
process.send({ ready: true });`,
  );
  child = fork(runner, [], {
    env: {
      PATH: process.env.PATH ?? "",
      ARCHIVE_BUCKET: bucket,
      ARCHIVE_PREFIX: "runs/",
      S3_ENDPOINT: s3.endpoint,
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      AWS_REGION: s3.region,
      SLACK_TEAM_ID: "T0ALLOWED",
      SLACK_CLIENT_ID: stub.clientId,
      SLACK_CLIENT_SECRET: stub.clientSecret,
      ARCHIVE_WEB_COOKIE_KEY: "bundle-test-cookie-key-0123456789abcdef",
      SLACK_OIDC_ISSUER: stub.issuer,
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  await new Promise<void>((ready) => {
    child.on("message", (message: { ready?: boolean; id?: string; answer?: LambdaAnswer }) => {
      if (message.ready) return ready();
      pending.get(message.id!)?.(message.answer!);
      pending.delete(message.id!);
    });
  });
}, 120_000);

afterAll(async () => {
  child?.kill();
  await stub?.close();
  pending = new Map();
  rmSync(outdir, { recursive: true, force: true });
});

describe("the archive-web bundle, run as Lambda runs it", () => {
  it("signs a stranger in with Slack and serves the run's report from the bucket", async () => {
    const anonymous = await invoke(`/archive/${SET}/${RUN}/`);
    expect(anonymous.statusCode).toBe(302);
    expect(anonymous.headers.location).toBe(`/auth/login?next=${encodeURIComponent(`/archive/${SET}/${RUN}/`)}`);

    const login = await invoke(anonymous.headers.location!);
    expect(login.statusCode).toBe(302);
    const authorize = new URL(login.headers.location!);
    expect(authorize.searchParams.get("redirect_uri")).toBe(`https://${HOST}/auth/callback`);
    const signIn = cookiePair(login, "__Host-simwatch_sign_in")!;

    const consent = await fetch(authorize, { redirect: "manual" });
    const back = new URL(consent.headers.get("location")!);
    expect(back.origin).toBe(`https://${HOST}`);
    const callback = await invoke(`${back.pathname}${back.search}`, [signIn]);
    expect(callback.statusCode).toBe(303);
    const session = cookiePair(callback, "__Host-simwatch_session")!;
    expect(session).toBeDefined();

    const report = await invoke(`/archive/${SET}/${RUN}/`, [session]);
    expect(report.statusCode).toBe(200);
    expect(report.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(report.isBase64Encoded ? Buffer.from(report.body, "base64").toString("utf8") : report.body).toBe("<p>bundled report</p>");
    expect((await invoke(`/archive/${SET}/6b10687a0000000000000099/`, [session])).statusCode).toBe(404);
    expect((await invoke("/archive/_simwatch/poller/watchlist.json", [session])).statusCode).toBe(404);
  });
});
