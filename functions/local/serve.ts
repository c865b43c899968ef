/**
 * `simwatch serve` (what `npm start` runs): the Hono Slack app on @hono/node-server, the
 * poll loop, the in-process bus and the same consumers as in Lambda, in one process.
 */
import { type ServerType, serve as serveHttp } from "@hono/node-server";
import { Hono } from "hono";
import { sleep } from "../core/util/backoff.js";
import { checkAccess, requesterOf } from "../core/commands/access.js";
import { followDelayMs } from "../core/poller/follow.js";
import type { Config } from "../core/config.js";
import { type CommandAcceptedDetail, event } from "../core/events.js";
import { errorFields, type Logger } from "../core/log.js";
import { ARCHIVE_BASE_PATH, createArchiveBrowser } from "../archive/web/archive-browser.js";
import { createSlackApp } from "../slack/app.js";
import { type LocalServices, localServices, removeLocalServerInfo, writeLocalServerInfo } from "./local-services.js";
import { SCHEDULE_LOOK_MS, startScheduleClock } from "./schedule-clock.js";

export const LOCAL_CHANNEL = "simwatch-local";
/** How long `serve` waits on SIGINT for work in flight before it exits anyway. */
const STOP_DRAIN_MS = 10_000;
export const LOCAL_USER = "ULOCALDEMO";

export interface ServeOptions {
  logger: Logger;
  /** Human-facing lines (banner, hints). */
  say: (line: string) => void;
  /** Where terminal "Slack" messages go. */
  write?: (text: string) => void;
  /** Start a demo run when the embedded simulator stands in for Amigo (default true). */
  demo?: boolean;
  /** How often schedules are looked at (default 15 s). */
  scheduleLookMs?: number;
  hostname?: string;
}

export interface RunningServer {
  port: number;
  services: LocalServices;
  stop(): Promise<void>;
}

/** Routes each bus event to its consumer, as the stack's EventBridge rules do. */
export function subscribeConsumers(services: LocalServices): void {
  const bus = services.inProcessBus;
  if (!bus) return;
  const { pipeline } = services;
  const durable = { durable: true } as const;
  // Like Lambda, several runs archived and notified at once: each consumer is safe to run side by
  // side (leases, claims, conditional merges), and events of one run may arrive in any order.
  bus.subscribe("Artifacts Ready", async (event) => void (await pipeline.archive(event.detail)), { name: "archiver", ...durable, concurrency: 4 });
  // Commands side by side (a busy channel), so identical reads in flight are answered once.
  bus.subscribe("Command Accepted", async (event) => void (await pipeline.command(event.detail)), { name: "command-worker", ...durable, concurrency: 8 });
  bus.subscribe("Scheduled Run Due", async (event) => void (await pipeline.scheduledRun(event.detail)), { name: "scheduled-runs", ...durable });
  bus.subscribe("Home Opened", async (event) => void (await pipeline.homeOpened(event.detail)), { name: "home", ...durable, concurrency: 4 });
  // Side by side: while one drain waits for someone's minute, the other deliveries find it busy and return.
  bus.subscribe("Run Finished", async (event) => void (await pipeline.homeRunFinished(event.detail)), { name: "home-refresh", ...durable, concurrency: 4 });
  bus.subscribe("Home Refresh Due", async () => void (await pipeline.homeRefreshDue()), { name: "home-refresh-due", ...durable });
  for (const detailType of ["Run Started", "Run Finished", "Run Archived"] as const) {
    bus.subscribe(detailType, async (event) => void (await pipeline.notify(event)), { name: "notifier", ...durable, concurrency: 4 });
  }
}

/** The archive browser's address on this machine (what ARCHIVE_WEB_URL defaults to locally). */
export function localArchiveUrl(hostname: string, port: number): string {
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return `http://${host}:${port}${ARCHIVE_BASE_PATH}/`;
}

function listen(app: Hono, port: number, hostname: string): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolve, reject) => {
    const server = serveHttp({ fetch: app.fetch, port, hostname }, (info) => resolve({ server, port: info.port }));
    server.once("error", reject);
  });
}

export async function startServer(baseConfig: Config, options: ServeOptions): Promise<RunningServer> {
  const { logger, say } = options;
  const abort = new AbortController();
  // Without Slack, the terminal stands for a channel, so runs nobody subscribed to still show.
  const hostname = options.hostname ?? "127.0.0.1";
  const withChannel: Config = !baseConfig.SLACK_BOT_TOKEN && !baseConfig.SLACK_DEFAULT_CHANNEL ? { ...baseConfig, SLACK_DEFAULT_CHANNEL: LOCAL_CHANNEL } : baseConfig;
  // Slack's Open report links lead to this server's archive browser unless ARCHIVE_WEB_URL says otherwise.
  const config: Config = { ...withChannel, ARCHIVE_WEB_URL: withChannel.ARCHIVE_WEB_URL ?? localArchiveUrl(hostname, withChannel.PORT) };
  const services = await localServices(config, { logger, demo: options.demo ?? true, signal: abort.signal, ...(options.write ? { write: options.write } : {}) });
  subscribeConsumers(services);

  const app = new Hono();
  app.route(
    "/",
    createSlackApp({
      signingSecret: services.signingSecret,
      bus: services.bus,
      access: services.access,
      log: logger,
    }),
  );
  // The archive browser: loopback only, so no sign-in (in AWS, archive-web signs in with Slack).
  app.route("/", createArchiveBrowser({ reader: services.archiveReader, archivePrefix: config.ARCHIVE_PREFIX, log: logger }));
  const { server, port } = await listen(app, config.PORT, hostname);
  await writeLocalServerInfo(config, {
    pid: process.pid,
    port,
    ...(config.ARCHIVE_WEB_URL ? { archiveWebUrl: config.ARCHIVE_WEB_URL } : {}),
    ...(services.simulator
      ? { simulator: { ...services.simulator.credentials, url: services.simulator.url, orgId: services.simulator.orgId } }
      : {}),
  });

  say(`simwatch is listening on http://${hostname}:${port} (POST /slack/commands, /slack/interactions, /slack/events; GET /archive/, /healthz)`);
  say(
    services.simulator
      ? `Amigo: the EMBEDDED SIMULATOR at ${services.simulator.url} (no AMIGO_* credentials configured); its sets: ${services.simulator.control
          .sets()
          .map((set) => `"${set.name}"`)
          .join(", ")}`
      : `Amigo: ${config.AMIGO_API_URL} (organization ${config.AMIGO_ORG_ID})`,
  );
  say(`Archive: ${services.where}${config.ARCHIVE_BUCKET ? "" : " (set ARCHIVE_BUCKET for S3)"}`);
  say(`Archive browser: ${localArchiveUrl(hostname, port)} (the archive's index, each set's runs and each run's report)`);
  say(config.SLACK_BOT_TOKEN ? `Slack: ${config.SLACK_API_URL}` : `Slack: this terminal (set SLACK_BOT_TOKEN for real Slack); messages go to #${LOCAL_CHANNEL}`);
  say(services.inProcessBus ? "Events: in-process bus" : `Events: EventBridge bus ${config.EVENT_BUS_NAME}`);

  const pollSeconds = config.POLL_INTERVAL_SECONDS ?? (services.simulator ? 5 : 60);
  // The same pacing as the Lambda poller: faster while runs are in progress, within Amigo's limits.
  const followIntervalMs = Math.min(config.FOLLOW_INTERVAL_SECONDS, pollSeconds) * 1000;
  /** One tick; returns how long to wait before the next. */
  const tick = async (): Promise<number> => {
    try {
      // First what a killed process accepted and did not deliver, then Amigo.
      await services.inProcessBus?.replay();
      const report = await services.pipeline.poll();
      return followDelayMs(report, { followIntervalMs }) ?? pollSeconds * 1000;
    } catch (error) {
      logger.warn("local.poll_failed", errorFields(error));
      return pollSeconds * 1000;
    }
  };
  let delay = await tick();
  const polling = (async () => {
    while (!abort.signal.aborted) {
      await sleep(delay, undefined, { signal: abort.signal }).catch(() => undefined);
      if (abort.signal.aborted) return;
      delay = await tick();
    }
  })();
  say(`Polling Amigo every ${pollSeconds} s (every ${followIntervalMs / 1000} s while runs are in progress).`);
  const schedules = startScheduleClock({ state: services.state, bus: services.bus, clock: services.clock, log: logger }, options.scheduleLookMs ?? SCHEDULE_LOOK_MS);
  await schedules.started;
  say(`Schedules (/sim schedule): looked at every ${Math.round((options.scheduleLookMs ?? SCHEDULE_LOOK_MS) / 1000)} s; a time missed by less than an hour while simwatch was stopped runs now.`);

  if (services.simulator && (options.demo ?? true)) {
    const set = "Billing disputes";
    const demo: CommandAcceptedDetail = { command: { verb: "run", set }, text: `run ${set}`, userId: LOCAL_USER, channelId: LOCAL_CHANNEL, requestId: `demo-${Date.now()}` };
    if (checkAccess(services.access, requesterOf(demo), demo.command).ok) {
      say(`Demo: starting a run of "${set}" as if typed in Slack; watch it go from started to finished, summarised and archived.`);
      await services.bus.publish([event("Command Accepted", demo)]);
    } else {
      say("Demo: skipped, because SLACK_ALLOWED_USERS, SLACK_ALLOWED_CHANNELS or SLACK_TEAM_ID would refuse it.");
    }
  }
  say(`Send more commands with: npx simwatch slash "status"  ·  npx simwatch slash "run Checkout flows"  ·  npx simwatch slash "help"`);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await schedules.stop();
      // Kept-alive connections (a burst of slash commands) must not hold the server open.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if ("closeAllConnections" in server) server.closeAllConnections();
      // An archive in flight is aborted (its temp file or multipart upload removed), never left half-written.
      abort.abort();
      // At most 10 s in all: what is not done by then stays journaled and is redone at the next start.
      await Promise.race([Promise.all([closed, polling, services.inProcessBus?.idle()]), sleep(STOP_DRAIN_MS)]);
      await services.close();
      await removeLocalServerInfo(config);
    })();
    return stopping;
  };
  return { port, services, stop };
}

