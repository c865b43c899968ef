/**
 * Lambda behind archive-web's Function URL: the archive browser with Sign in with Slack. It reads
 * its own secret (the Slack app's OpenID client and the cookie key, nothing else) and the archive
 * prefix of the bucket, read only; `handle(app)` is the only Lambda line.
 */
import { handle } from "hono/aws-lambda";
import { archiveWebFromConfig } from "../archive/web/archive-web.js";
import { ARCHIVE_WEB_SECRET_KEYS } from "../core/config.js";
import { jsonLogger } from "../core/log.js";
import { lambdaConfig } from "./lambda-config.js";

let lambdaHandler: Promise<ReturnType<typeof handle>> | undefined;

export const handler: ReturnType<typeof handle> = async (event, context) => {
  lambdaHandler ??= lambdaConfig(process.env, ARCHIVE_WEB_SECRET_KEYS).then((config) => handle(archiveWebFromConfig(config, { log: jsonLogger() })));
  lambdaHandler.catch(() => {
    lambdaHandler = undefined;
  });
  return (await lambdaHandler)(event, context);
};
