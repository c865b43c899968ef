/**
 * What every Lambda handler is wired from, built once per container: configuration (with
 * the secret), the Amigo client, the archive and state in S3, the EventBridge bus and Slack.
 */
import { amigoFromConfig } from "../amigo/from-config.js";
import { archiveStoresFromConfig } from "../archive/from-config.js";
import { eventBridgeBusFromConfig } from "../bus/from-config.js";
import { accessPolicy } from "../core/commands/access.js";
import { ConfigError } from "../core/config.js";
import { jsonLogger } from "../core/log.js";
import { systemClock } from "../core/ports.js";
import { slackChatFromConfig, slackDirectoryFromConfig } from "../slack/from-config.js";
import { schedulerTimersFromConfig } from "../aws/scheduler.js";
import { lambdaConfig } from "./lambda-config.js";
import { createPipeline, type Pipeline } from "./pipeline.js";

function required<T>(value: T | undefined, variable: string, why: string): T {
  if (value === undefined) throw new ConfigError([{ variable, message: `is required in Lambda (${why})` }]);
  return value;
}

/**
 * Each function's share of Amigo's per-user rate limits (every function runs as the same Amigo
 * user, in processes of its own): the poller lists runs the most; the stack runs at most two
 * command workers at a time (commandWorkerReservedConcurrency), each with its share, so on the
 * endpoints both use (listing runs and sets, metric results) the poller and the workers together
 * stay within each limit. The archiver alone reads artifact links; the notifier reads nothing.
 */
export const AMIGO_RATE_SHARES = { poller: 0.8, "command-worker": 0.1, archiver: 0.1, notifier: 0.05 } as const;
export type FunctionRole = keyof typeof AMIGO_RATE_SHARES;

let pipeline: Promise<Pipeline> | undefined;

export function lambdaPipeline(role: FunctionRole): Promise<Pipeline> {
  pipeline ??= lambdaConfig().then((config) => {
    const logger = jsonLogger();
    required(config.ARCHIVE_BUCKET, "ARCHIVE_BUCKET", "the archive and state live in S3");
    const { archive, state } = archiveStoresFromConfig(config);
    const amigo = required(amigoFromConfig(config, logger, { rateLimitShare: AMIGO_RATE_SHARES[role] }), "AMIGO_API_KEY", "the secret must hold the four Amigo credentials");
    const chat = slackChatFromConfig(config);
    const directory = slackDirectoryFromConfig(config);
    const timers = schedulerTimersFromConfig(config);
    return createPipeline({
      config,
      logger,
      clock: systemClock,
      amigo,
      amigoBaseUrl: config.AMIGO_API_URL,
      access: accessPolicy(config),
      amigoOrgId: amigo.orgId,
      amigoUserId: config.AMIGO_USER_ID ?? "",
      archive,
      state,
      bus: required(eventBridgeBusFromConfig(config, state, logger), "EVENT_BUS_NAME", "events travel on EventBridge"),
      ...(chat ? { chat } : {}),
      ...(directory ? { directory } : {}),
      ...(timers ? { timers } : {}),
    });
  });
  pipeline.catch(() => {
    pipeline = undefined;
  });
  return pipeline;
}
