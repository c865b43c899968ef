/**
 * Lambda behind the Function URL: the Hono Slack app. `handle(app)` is the only Lambda line;
 * the app is built on the first request, once its own secret (the signing secret, nothing
 * else) has been read. Slack wants an answer within 3 s, so this function loads no AWS SDK
 * client: events go out as one signed PutEvents call. It touches no S3 at all: the worker
 * makes download links.
 */
import { handle } from "hono/aws-lambda";
import { EventBridgeBus } from "../bus/eventbridge-bus.js";
import { signedHttpTransport } from "../bus/eventbridge-http.js";
import { accessPolicy } from "../core/commands/access.js";
import { ConfigError, SIGNING_SECRET_KEYS } from "../core/config.js";
import { jsonLogger } from "../core/log.js";
import { createSlackApp } from "../slack/app.js";
import { lambdaConfig } from "./lambda-config.js";

async function build(): Promise<ReturnType<typeof handle>> {
  const config = await lambdaConfig(process.env, SIGNING_SECRET_KEYS);
  const log = jsonLogger();
  const required = (name: "SLACK_SIGNING_SECRET" | "EVENT_BUS_NAME") => {
    const value = config[name];
    if (!value) throw new ConfigError([{ variable: name, message: "is required in Lambda" }]);
    return value;
  };
  const app = createSlackApp({
    signingSecret: required("SLACK_SIGNING_SECRET"),
    bus: new EventBridgeBus({ busName: required("EVENT_BUS_NAME"), transport: signedHttpTransport(), log }),
    access: accessPolicy(config),
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
