/**
 * Local mode's services: whatever `.env` or the environment configures is used for real
 * (Amigo credentials -> Amigo, a bot token -> Slack, ARCHIVE_BUCKET -> S3, EVENT_BUS_NAME ->
 * EventBridge); the rest falls back to embedded defaults: the Amigo simulator, the folder
 * archive in ARCHIVE_DIR and the terminal for Slack.
 */
import { randomUUID } from "node:crypto";
import { userInfo } from "node:os";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type AmigoClient, createAmigoClient } from "../amigo/client.js";
import { amigoFromConfig, amigoLoggerFrom } from "../amigo/from-config.js";
import { archiveStoresFromConfig } from "../archive/from-config.js";
import { eventBridgeBusFromConfig } from "../bus/from-config.js";
import { BusJournal } from "../bus/bus-journal.js";
import { InProcessBus } from "../bus/in-process-bus.js";
import { accessPolicy } from "../core/commands/access.js";
import type { ChatPort } from "../core/chat.js";
import type { Config } from "../core/config.js";
import type { Logger } from "../core/log.js";
import { type ArchiveReader, type EventBus, systemClock } from "../core/ports.js";
import { STATE_ROOT } from "../core/idempotency/state-keys.js";
import { createPipeline, type Pipeline, type PipelineServices } from "../handlers/pipeline.js";
import { slackChatFromConfig, slackDirectoryFromConfig } from "../slack/from-config.js";
import type { SlackDirectory } from "../core/notifier/directory.js";
import { TerminalDirectory } from "./terminal-directory.js";
import { LocalChat } from "./local-chat.js";
import { processOwner } from "./process-owner.js";
import { type RunningSimulator, startSimulator } from "./simulator/index.js";

/** Signing secret `simwatch serve` and `simwatch slash` share when no Slack app is configured. */
export const LOCAL_SIGNING_SECRET = "simwatch-local-signing-secret";

export interface LocalServices extends PipelineServices {
  pipeline: Pipeline;
  /** The in-process bus, when no EventBridge bus is configured. */
  inProcessBus?: InProcessBus;
  /** Set when the embedded simulator stands in for Amigo. */
  simulator?: RunningSimulator;
  /** Where the simulator answers, when this process uses one (its own or a running server's). */
  simulatorUrl?: string;
  terminalChat?: LocalChat;
  signingSecret: string;
  /** The archive, read only: what the archive browser serves. */
  archiveReader: ArchiveReader;
  where: string;
  close(): Promise<void>;
}

/** What a running `simwatch serve` tells other simwatch processes on this machine. */
export interface LocalServerInfo {
  pid: number;
  port: number;
  /** Its archive browser, which the CLI's `report` links into. */
  archiveWebUrl?: string;
  simulator?: { url: string; orgId: string; apiKey: string; apiKeyId: string; userId: string };
}

export const localServerInfoPath = (config: Pick<Config, "ARCHIVE_DIR">) => join(config.ARCHIVE_DIR, STATE_ROOT, "local-server.json");

export async function writeLocalServerInfo(config: Config, info: LocalServerInfo): Promise<void> {
  const path = localServerInfoPath(config);
  await mkdir(join(config.ARCHIVE_DIR, STATE_ROOT), { recursive: true });
  await writeFile(path, JSON.stringify(info), { mode: 0o600 });
}

export async function removeLocalServerInfo(config: Config): Promise<void> {
  await rm(localServerInfoPath(config), { force: true });
}

/** The running local server's info, if one is alive (its process exists). */
export async function readLocalServerInfo(config: Config): Promise<LocalServerInfo | undefined> {
  try {
    const info = JSON.parse(await readFile(localServerInfoPath(config), "utf8")) as LocalServerInfo;
    process.kill(info.pid, 0);
    return info;
  } catch {
    return undefined;
  }
}

export interface LocalServicesOptions {
  logger: Logger;
  /** Where terminal "Slack" messages go (stdout by default). */
  write?: (text: string) => void;
  /** Use the simulator of a running `simwatch serve` instead of starting one (CLI verbs). */
  joinRunningServer?: boolean;
  /** Demo outcome for the simulator's seeded sets (short runs, so a newcomer sees one finish). */
  demo?: boolean;
  signal?: AbortSignal;
}

export async function localServices(baseConfig: Config, options: LocalServicesOptions): Promise<LocalServices> {
  const { logger } = options;
  const server = options.joinRunningServer ? await readLocalServerInfo(baseConfig) : undefined;
  // A verb typed in a terminal links into the running server's archive browser, unless ARCHIVE_WEB_URL says otherwise.
  const archiveWebUrl = baseConfig.ARCHIVE_WEB_URL ?? server?.archiveWebUrl;
  const config: Config = archiveWebUrl ? { ...baseConfig, ARCHIVE_WEB_URL: archiveWebUrl } : baseConfig;
  const stores = archiveStoresFromConfig(config);

  let amigo: AmigoClient | undefined = amigoFromConfig(config, logger);
  let simulator: RunningSimulator | undefined;
  let simulatorUrl: string | undefined;
  let amigoUserId = config.AMIGO_USER_ID ?? "";
  if (!amigo) {
    const running = server?.simulator;
    const sim = running ?? (simulator = await startSimulator({
      ...(options.demo ? { defaultOutcome: { durationMs: 8_000, artifactsDelayMs: 2_000, artifactBytes: 256 * 1024 } } : {}),
    }));
    const credentials = running ?? simulator!.credentials;
    simulatorUrl = running ? running.url : simulator!.url;
    amigoUserId = credentials.userId;
    amigo = createAmigoClient({
      baseUrl: simulatorUrl,
      credentials: { orgId: running ? running.orgId : simulator!.orgId, apiKey: credentials.apiKey, apiKeyId: credentials.apiKeyId, userId: credentials.userId },
      logger: amigoLoggerFrom(logger),
      ...(simulator ? { clock: simulator.control.clock } : {}),
    });
  }

  const owner = processOwner();
  const eventBridge = eventBridgeBusFromConfig(config, stores.state, logger);
  // Durable like EventBridge: what this process accepted is replayed by the next one if it dies.
  const journal = new BusJournal({ state: stores.state, clock: systemClock, owner, log: logger });
  const inProcessBus = eventBridge ? undefined : new InProcessBus({ log: logger, journal });
  const bus: EventBus = eventBridge ?? (inProcessBus as InProcessBus);
  const slack = slackChatFromConfig(config);
  const terminalChat = slack ? undefined : new LocalChat(logger, options.write);
  const chat: ChatPort = slack ?? (terminalChat as LocalChat);
  const directory: SlackDirectory = slackDirectoryFromConfig(config) ?? new TerminalDirectory();

  const services: PipelineServices = {
    config,
    logger,
    clock: systemClock,
    amigo,
    amigoBaseUrl: simulatorUrl ?? config.AMIGO_API_URL,
    // Without Slack, `simwatch slash` listens for answers on loopback; with Slack, only Slack's hosts.
    access: accessPolicy(config, { loopbackResponses: terminalChat !== undefined }),
    amigoOrgId: amigo.orgId,
    amigoUserId,
    archive: stores.archive,
    state: stores.state,
    bus,
    chat,
    directory,
    owner,
    pagesOnTick: true,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  return {
    ...services,
    pipeline: createPipeline(services),
    ...(inProcessBus ? { inProcessBus } : {}),
    ...(simulator ? { simulator } : {}),
    ...(simulatorUrl ? { simulatorUrl } : {}),
    ...(terminalChat ? { terminalChat } : {}),
    signingSecret: config.SLACK_SIGNING_SECRET ?? LOCAL_SIGNING_SECRET,
    archiveReader: stores.archive,
    where: stores.where,
    async close() {
      // No waiting here: serve has drained what it could; the rest is journaled for the next start.
      inProcessBus?.refuseMore();
      eventBridge?.close();
      await simulator?.close();
    },
  };
}

export const newRequestId = () => `local-${randomUUID()}`;

/**
 * The configuration for commands typed in a terminal: whoever can run simwatch here holds its
 * Amigo credentials, so the Slack allow-lists do not apply.
 */
export const terminalConfig = (config: Config): Config => ({ ...config, SLACK_ALLOWED_USERS: [], SLACK_ALLOWED_CHANNELS: [], SLACK_TEAM_ID: [] });

/** Who typed the command, as the runs it starts say ("Started by"). */
export const terminalUser = () => userInfo().username.replace(/[^A-Za-z0-9_-]/g, "") || "cli";
