/**
 * Lambda behind the Function URL: the Hono Slack app. `handle(app)` is the only Lambda line;
 * the app is built on the first request, once the signing secret has been read. Slack wants
 * an answer within 3 s, so this function loads no AWS SDK client: events go out as one signed
 * PutEvents call and download links are presigned with the same signer.
 */
import { handle } from "hono/aws-lambda";
import { s3DownloadLinks } from "../archive/s3-download-links.js";
import { EventBridgeBus } from "../bus/eventbridge-bus.js";
import { signedHttpTransport } from "../bus/eventbridge-http.js";
import { ConfigError } from "../core/config.js";
import { jsonLogger } from "../core/log.js";
import { createSlackApp } from "../slack/app.js";
import { lambdaConfig } from "./lambda-config.js";

async function build(): Promise<ReturnType<typeof handle>> {
  const config = await lambdaConfig();
  const log = jsonLogger();
  const required = (name: "SLACK_SIGNING_SECRET" | "EVENT_BUS_NAME" | "ARCHIVE_BUCKET") => {
    const value = config[name];
    if (!value) throw new ConfigError([{ variable: name, message: "is required in Lambda" }]);
    return value;
  };
  const app = createSlackApp({
    signingSecret: required("SLACK_SIGNING_SECRET"),
    bus: new EventBridgeBus({ busName: required("EVENT_BUS_NAME"), transport: signedHttpTransport(), log }),
    allowed: { users: config.SLACK_ALLOWED_USERS, channels: config.SLACK_ALLOWED_CHANNELS },
    archive: s3DownloadLinks({ bucket: required("ARCHIVE_BUCKET"), ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT } : {}) }),
    archivePrefix: config.ARCHIVE_PREFIX,
    log,
  });
  return handle(app);
}

let lambdaHandler: Promise<ReturnType<typeof handle>> | undefined;

export const handler: ReturnType<typeof handle> = async (event, context) => {
  lambdaHandler ??= build();
  lambdaHandler.catch(() => {
    lambdaHandler = undefined;
  });
  return (await lambdaHandler)(event, context);
};
