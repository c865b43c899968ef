/**
 * Lambda behind the Function URL: the Hono Slack app. `handle(app)` is the only Lambda line;
 * the app is built on the first request, once the signing secret has been read.
 */
import type { Hono } from "hono";
import { handle } from "hono/aws-lambda";
import { archiveStoresFromConfig } from "../archive/from-config.js";
import { eventBridgeBusFromConfig } from "../bus/from-config.js";
import { ConfigError } from "../core/config.js";
import { jsonLogger } from "../core/log.js";
import { createSlackApp } from "../slack/app.js";
import { lambdaConfig } from "./lambda-config.js";

let lambdaHandler: Promise<ReturnType<typeof handle>> | undefined;

async function build(): Promise<ReturnType<typeof handle>> {
  const config = await lambdaConfig();
  const log = jsonLogger();
  if (!config.SLACK_SIGNING_SECRET) throw new ConfigError([{ variable: "SLACK_SIGNING_SECRET", message: "is required (the secret must hold it)" }]);
  const { archive, state } = archiveStoresFromConfig(config);
  const bus = eventBridgeBusFromConfig(config, state, log);
  if (!bus) throw new ConfigError([{ variable: "EVENT_BUS_NAME", message: "is required in Lambda" }]);
  const app: Hono = createSlackApp({
    signingSecret: config.SLACK_SIGNING_SECRET,
    bus,
    allowed: { users: config.SLACK_ALLOWED_USERS, channels: config.SLACK_ALLOWED_CHANNELS },
    archive,
    archivePrefix: config.ARCHIVE_PREFIX,
    log,
  });
  return handle(app);
}

export const handler: ReturnType<typeof handle> = async (event, context) => {
  lambdaHandler ??= build();
  lambdaHandler.catch(() => {
    lambdaHandler = undefined;
  });
  return (await lambdaHandler)(event, context);
};
