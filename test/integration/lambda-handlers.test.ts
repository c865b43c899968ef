/**
 * The five Lambda entry points, invoked as Lambda would, with their configuration in the
 * environment exactly as the stack sets it: Amigo is the simulator, S3 is RGW, EventBridge
 * and Slack are local stand-ins. Proves the wiring, not the logic (tested elsewhere).
 */
import { createHash, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventBridgeStub } from "../support/eventbridge-stub.js";
import { s3WithFreshBucket, testS3Server } from "../support/s3.js";
import { useSimulator } from "../support/simulator.js";
import { buttonBody, type SlackStub, slackHeaders, slashBody, startSlackStub } from "../support/slack-stub.js";

const SIGNING_SECRET = "lambda-test-signing-secret";
const SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:simwatch-test";
/** slack-http's own secret: the signing secret and nothing else. */
const SIGNING_SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:simwatch-signing-test";
/** A signing secret someone filled with everything. */
const OVERFULL_SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:simwatch-overfull";
const sim = useSimulator({ clock: "real", startTime: new Date() });
let secretsManager: Server;
const secretRequests: { target: string | undefined; authorization: string | undefined; secretId: unknown }[] = [];
let events: EventBridgeStub;
let slack: SlackStub;
let bucket: string;
const savedEnv = { ...process.env };

/** What EventBridge hands a rule's Lambda target. */
function lambdaEvent(detailType: string, detail: unknown) {
  return { version: "0", id: randomUUID(), "detail-type": detailType, source: "simwatch", account: "123456789012", time: new Date().toISOString(), region: "us-east-1", resources: [], detail };
}

function published(detailType: string): Record<string, unknown>[] {
  return events.accepted.filter((entry) => entry.DetailType === detailType).map((entry) => JSON.parse(entry.Detail ?? "{}"));
}

/** A Function URL (payload v2) request with a base64 body, as Slack's POST arrives. */
function functionUrlEvent(path: string, body: string, headers: Record<string, string>) {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: "",
    headers: { ...headers, host: "abc.lambda-url.us-east-1.on.aws" },
    requestContext: {
      accountId: "123456789012",
      apiId: "abc",
      domainName: "abc.lambda-url.us-east-1.on.aws",
      domainPrefix: "abc",
      http: { method: "POST", path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "Slackbot" },
      requestId: randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body: Buffer.from(body).toString("base64"),
    isBase64Encoded: true,
  };
}

const context = { functionName: "test", awsRequestId: randomUUID(), getRemainingTimeInMillis: () => 30_000 } as never;

beforeAll(async () => {
  events = await EventBridgeStub.start();
  slack = await startSlackStub();
  const s3 = testS3Server();
  ({ bucket } = await s3WithFreshBucket("lambda"));
  // A Secrets Manager stand-in: the credentials reach the functions only through the secret.
  secretsManager = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      const secretId = JSON.parse(body).SecretId as string;
      secretRequests.push({ target: request.headers["x-amz-target"] as string | undefined, authorization: request.headers.authorization, secretId });
      const credentials = {
        AMIGO_ORG_ID: sim.orgId,
        AMIGO_USER_ID: sim.credentials.userId,
        AMIGO_API_KEY: sim.credentials.apiKey,
        AMIGO_API_KEY_ID: sim.credentials.apiKeyId,
        SLACK_BOT_TOKEN: slack.token,
      };
      const secrets: Record<string, Record<string, string>> = {
        [SECRET_ARN]: credentials,
        [SIGNING_SECRET_ARN]: { SLACK_SIGNING_SECRET: SIGNING_SECRET },
        [OVERFULL_SECRET_ARN]: { ...credentials, SLACK_SIGNING_SECRET: SIGNING_SECRET },
      };
      response.writeHead(200, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify({ ARN: secretId, SecretString: JSON.stringify(secrets[secretId]) }));
    });
  });
  await new Promise<void>((done) => secretsManager.listen(0, "127.0.0.1", done));
  Object.assign(process.env, {
    SECRET_ARN,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(secretsManager.address() as AddressInfo).port}`,
    AMIGO_API_URL: sim.url,
    ARCHIVE_BUCKET: bucket,
    S3_ENDPOINT: s3.endpoint,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_REGION: s3.region,
    EVENT_BUS_NAME: "simwatch-test",
    AWS_ENDPOINT_URL_EVENTBRIDGE: events.endpoint,
    SLACK_API_URL: slack.apiUrl,
    SLACK_DEFAULT_CHANNEL: "CDEFAULT",
  });
  for (const name of ["AMIGO_ORG_ID", "AMIGO_USER_ID", "AMIGO_API_KEY", "AMIGO_API_KEY_ID", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]) delete process.env[name];
});

afterAll(async () => {
  process.env = savedEnv;
  await events?.close();
  await slack?.close();
  secretsManager?.close();
});

describe("the Lambda handlers", () => {
  it("poller: a tick publishes the run's events on EventBridge, with credentials read from the secret", async () => {
    const { handler } = await import("../../functions/handlers/poller.js");
    expect((await handler(undefined, context))?.firstPoll).toBe(true);
    expect(secretRequests).toHaveLength(1);
    expect(secretRequests[0]).toMatchObject({ target: "secretsmanager.GetSecretValue", secretId: SECRET_ARN });
    expect(secretRequests[0]?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=.+\/us-east-1\/secretsmanager\/aws4_request, SignedHeaders=.*x-amz-target/);
    const runId = sim.control.createRun({ set: "Checkout flows", outcome: { durationMs: 1_000, artifactsDelayMs: 0, artifactBytes: 10_000 } });
    await handler(undefined, context);
    sim.control.advance(2_000);
    await handler(undefined, context);
    expect(published("Run Started").map((detail) => detail.runId)).toEqual([runId]);
    expect(published("Run Finished")).toMatchObject([{ runId, verdict: "passed" }]);
    expect(published("Artifacts Ready")).toEqual([{ runId, setId: sim.control.getRun(runId)?.simulation_unit_test_set_id }]);
  });

  it("archiver: Artifacts Ready archives to S3 and publishes Run Archived", async () => {
    const { handler } = await import("../../functions/handlers/archiver.js");
    const [ready] = published("Artifacts Ready");
    const outcome = await handler(lambdaEvent("Artifacts Ready", ready));
    expect(outcome.status).toBe("archived");
    expect(published("Run Archived")).toMatchObject([{ runId: (ready as { runId: string }).runId, size: 10_000 }]);
  });

  it("notifier: Run Started, Run Finished and Run Archived become one message, edited in place", async () => {
    const { handler } = await import("../../functions/handlers/notifier.js");
    for (const detailType of ["Run Started", "Run Finished", "Run Archived"]) {
      await handler(lambdaEvent(detailType, published(detailType)[0]));
    }
    const messages = slack.topLevel("CDEFAULT");
    expect(messages).toHaveLength(1);
    expect(messages[0]?.history.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(messages[0]?.blocks)).toContain("Checkout flows");
  });

  /** slack-http runs with SECRET_ARN naming its own secret, as the stack sets it. */
  async function slackHttp() {
    const { handler } = await import("../../functions/handlers/slack-http.js");
    return async (event: unknown, secretArn = SIGNING_SECRET_ARN) => {
      process.env.SECRET_ARN = secretArn;
      try {
        return await handler(event as never, context);
      } finally {
        process.env.SECRET_ARN = SECRET_ARN;
      }
    };
  }

  it("slack-http: refuses to start on a secret holding more than the signing secret, naming the keys, never their values", async () => {
    const handler = await slackHttp();
    const body = slashBody({ text: "list" });
    const attempt = handler(functionUrlEvent("/slack/commands", body, slackHeaders(SIGNING_SECRET, body, Math.floor(Date.now() / 1000))), OVERFULL_SECRET_ARN);
    const error = await attempt.then(() => undefined, (reason: unknown) => reason as Error);
    expect(error?.message).toMatch(/must hold only SLACK_SIGNING_SECRET; remove AMIGO_ORG_ID, AMIGO_USER_ID, AMIGO_API_KEY, AMIGO_API_KEY_ID, SLACK_BOT_TOKEN/);
    expect(error?.message).not.toContain(sim.credentials.apiKey);
    expect(error?.message).not.toContain(slack.token);
  });

  it("slack-http: a signed, base64-encoded Function URL request is acked and handed off; a forged one causes nothing", async () => {
    const handler = await slackHttp();
    const before = events.accepted.length;
    const body = slashBody({ text: "list", response_url: slack.responseUrl("lambda") });
    const now = Math.floor(Date.now() / 1000);
    const answer = (await handler(functionUrlEvent("/slack/commands", body, slackHeaders(SIGNING_SECRET, body, now)))) as {
      statusCode: number;
      body: string;
    };
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body).response_type).toBe("ephemeral");
    expect(published("Command Accepted")).toMatchObject([{ command: { verb: "list" } }]);

    const forged = (await handler(functionUrlEvent("/slack/commands", body, slackHeaders("wrong-secret", body, now)))) as { statusCode: number };
    expect(forged.statusCode).toBe(401);
    expect(events.accepted.length).toBe(before + 1);
  });

  it("command-worker: Command Accepted runs against Amigo and answers at the response_url", async () => {
    const { handler } = await import("../../functions/handlers/command-worker.js");
    const [accepted] = published("Command Accepted");
    const outcome = await handler(lambdaEvent("Command Accepted", accepted));
    expect(outcome.status).toBe("done");
    expect(slack.responses.map((response) => response.id)).toContain("lambda");
    expect(JSON.stringify(slack.responses.at(-1)?.body)).toContain("Checkout flows");
  });

  it("Download artifacts: slack-http hands the click on, the worker answers privately with a fresh link that downloads the archived bytes as an attachment", async () => {
    const handler = await slackHttp();
    const worker = (await import("../../functions/handlers/command-worker.js")).handler;
    const [archived] = published("Run Archived") as { runId: string; setId: string; key: string; sha256: string }[];
    const body = buttonBody({
      actionId: "simwatch_download",
      value: JSON.stringify({ runId: archived?.runId, setId: archived?.setId, key: archived?.key }),
      responseUrl: slack.responseUrl("download"),
    });
    const answer = (await handler(functionUrlEvent("/slack/interactions", body, slackHeaders(SIGNING_SECRET, body, Math.floor(Date.now() / 1000))))) as { statusCode: number };
    expect(answer.statusCode).toBe(200);
    expect(slack.responses.find((response) => response.id === "download")).toBeUndefined();
    const click = published("Command Accepted").find((detail) => (detail.command as { verb: string }).verb === "download");
    expect((await worker(lambdaEvent("Command Accepted", click))).status).toBe("done");
    const reply = slack.responses.find((response) => response.id === "download");
    expect(reply?.body.response_type).toBe("ephemeral");
    const link = /<(http[^|>]+)\|Download the artifacts>/.exec(JSON.stringify(reply?.body.blocks ?? reply?.body.text))?.[1]?.replaceAll("&amp;", "&");
    expect(link).toContain("X-Amz-Expires=300");
    const download = await fetch(link ?? "");
    expect(download.status).toBe(200);
    expect(download.headers.get("content-disposition")).toMatch(/^attachment; filename="artifacts\./);
    expect(createHash("sha256").update(Buffer.from(await download.arrayBuffer())).digest("hex")).toBe(archived?.sha256);
  });
});
