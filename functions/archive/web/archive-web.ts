/**
 * The archive browser as AWS serves it (the archive-web Lambda behind its Function URL): Sign in
 * with Slack in front of every archive route, the archive read from the bucket. Files other than
 * pages above 1 MiB go by a presigned redirect: a Function URL answers at most 6 MB, and binary
 * bodies travel base64-encoded.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { Hono } from "hono";
import { accessPolicy } from "../../core/commands/access.js";
import { type Config, ConfigError } from "../../core/config.js";
import { SECURITY_HEADERS } from "../../core/archive-browser/archive-serving.js";
import { errorFields, type Logger } from "../../core/log.js";
import type { ArchiveReader, Clock } from "../../core/ports.js";
import { S3ArchiveStore } from "../s3-archive-store.js";
import { createS3Client } from "../s3-client.js";
import { ARCHIVE_BASE_PATH, createArchiveBrowser, pageHtml } from "./archive-browser.js";
import { type SlackSignInOptions, slackSignIn } from "./slack-sign-in.js";

export const LAMBDA_PROXY_LIMIT_BYTES = 1024 * 1024;

export interface ArchiveWebOptions {
  reader: ArchiveReader;
  archivePrefix: string;
  signIn: SlackSignInOptions;
  proxyLimitBytes?: number;
  log?: Logger;
}

export function createArchiveWeb(options: ArchiveWebOptions): Hono {
  const signIn = slackSignIn(options.signIn);
  const app = new Hono();
  // Slack's sign-in unreachable (discovery, keys, token), or anything else unforeseen: a page, never a stack trace.
  app.onError((error, c) => {
    options.log?.error("archive_web.failed", errorFields(error));
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
    return c.html(pageHtml("Not available just now", "<p>The archive could not be shown just now. Please try again in a moment.</p>"), 503);
  });
  app.route("/", signIn.routes);
  app.get("/", (c) => c.redirect(`${ARCHIVE_BASE_PATH}/`, 302));
  app.route(
    "/",
    createArchiveBrowser({
      reader: options.reader,
      archivePrefix: options.archivePrefix,
      guard: signIn.guard,
      ...(options.proxyLimitBytes === undefined ? {} : { proxyLimitBytes: options.proxyLimitBytes }),
      ...(options.log ? { log: options.log } : {}),
    }),
  );
  return app;
}

function required<T>(value: T | undefined, variable: string, why: string): T {
  if (value === undefined) throw new ConfigError([{ variable, message: `is required by the archive browser in AWS (${why})` }]);
  return value;
}

/**
 * archive-web from its configuration; refuses to start without what Sign in with Slack needs, and
 * without SLACK_TEAM_ID: an archive open to every Slack workspace is not an option.
 */
export function archiveWebFromConfig(config: Config, options: { log: Logger; clock?: Clock; client?: S3Client }): Hono {
  const { log } = options;
  if (config.SLACK_TEAM_ID.length === 0) {
    throw new ConfigError([{ variable: "SLACK_TEAM_ID", message: "is required by the archive browser in AWS (whose Slack workspaces may read the archive; deploy setting allowedTeams)" }]);
  }
  const bucket = required(config.ARCHIVE_BUCKET, "ARCHIVE_BUCKET", "the archive is read from S3");
  const client = options.client ?? createS3Client(config.S3_ENDPOINT === undefined ? {} : { endpoint: config.S3_ENDPOINT });
  return createArchiveWeb({
    // Least privilege: GetObject under the prefix alone, so S3 answers a missing key 403.
    reader: new S3ArchiveStore({ client, bucket, deniedIsMissing: true }),
    archivePrefix: config.ARCHIVE_PREFIX,
    proxyLimitBytes: LAMBDA_PROXY_LIMIT_BYTES,
    log,
    signIn: {
      clientId: required(config.SLACK_CLIENT_ID, "SLACK_CLIENT_ID", "Sign in with Slack: the Slack app's client id, in archive-web's secret"),
      clientSecret: required(config.SLACK_CLIENT_SECRET, "SLACK_CLIENT_SECRET", "Sign in with Slack: the Slack app's client secret, in archive-web's secret"),
      cookieKey: required(config.ARCHIVE_WEB_COOKIE_KEY, "ARCHIVE_WEB_COOKIE_KEY", "it signs the session cookies, in archive-web's secret"),
      issuer: config.SLACK_OIDC_ISSUER,
      access: accessPolicy(config),
      log,
      ...(options.clock ? { clock: options.clock } : {}),
    },
  });
}
