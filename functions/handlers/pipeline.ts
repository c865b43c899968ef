/**
 * The four consumers of simwatch, wired once from a set of services: the poller tick, the
 * archiver, the notifier and the command worker. Lambda handlers and the local server both
 * call these, so each piece of wiring exists in one place.
 */
import { httpDownloader } from "../archive/artifact-download.js";
import type { AccessPolicy } from "../core/commands/access.js";
import { archiveRun } from "../core/archiver/archive-run.js";
import type { ChatPort } from "../core/chat.js";
import { createCommandWorker } from "../core/commands/command-worker.js";
import { createHomes, type Homes } from "../core/home/homes.js";
import { createHomeRefresh, type HomeRefresh } from "../core/home/home-refresh.js";
import { type Config, ConfigError } from "../core/config.js";
import { type ArtifactsReadyDetail, type CommandAcceptedDetail, event, type HomeOpenedDetail, type RunFinishedDetail, type ScheduledRunDueDetail, type SimwatchEvent } from "../core/events.js";
import { errorFields, type Logger } from "../core/log.js";
import { publishPendingPages } from "../core/archive-pages/publish-pages.js";
import { type Deadline, deadlineIn, NO_DEADLINE, sooner } from "../core/util/deadline.js";
import { createNotifier } from "../core/notifier/notify.js";
import type { SlackDirectory } from "../core/notifier/directory.js";
import { follow, type FollowOptions, tickDeadline } from "../core/poller/follow.js";
import { readWatchlist } from "../core/poller/watchlist.js";
import { pollOnce } from "../core/poller/poll.js";
import type { AmigoApi, ArchiveStore, ArtifactDownloader, ClaimOwner, Clock, EventBus, ScheduleTimers, StateStore } from "../core/ports.js";

export interface PipelineServices {
  config: Config;
  logger: Logger;
  clock: Clock;
  amigo: AmigoApi;
  /** Where that Amigo answers (artifact links must be https, or on this origin when it is the local simulator). */
  amigoBaseUrl: string;
  /** Who may do what, and where answers may go: the Slack app and the command worker check the same. */
  access: AccessPolicy;
  /** The Amigo user simwatch acts as (the creator of the runs it starts). */
  amigoUserId: string;
  amigoOrgId: string;
  archive: ArchiveStore;
  state: StateStore;
  bus: EventBus;
  /** Slack, or the terminal; required by the notifier and the command worker. */
  chat?: ChatPort;
  /** Slack's channels, people and groups, for routing and owners by Amigo tag (without it, tags name ids only). */
  directory?: SlackDirectory;
  download?: ArtifactDownloader;
  signal?: AbortSignal;
  /** Who this process is, for claims (locally: the process, so a dead one's claims are taken over at once). */
  owner?: ClaimOwner;
  /**
   * Whether a poll tick also finishes the archive pages a killed archiver left pending (locally,
   * where one process archives; in AWS the next archive does it, the poller writing nothing there).
   */
  pagesOnTick?: boolean;
  /** EventBridge Scheduler for schedules, in AWS; locally none (serve evaluates them). */
  timers?: ScheduleTimers;
}

function chatOf(services: PipelineServices): ChatPort {
  if (!services.chat) throw new ConfigError([{ variable: "SLACK_BOT_TOKEN", message: "is required to post to Slack" }]);
  return services.chat;
}

export function createPipeline(services: PipelineServices) {
  const { config, logger, clock, amigo, state, bus } = services;
  const owner = services.owner ? { owner: services.owner } : {};
  const defaultChannel = config.SLACK_DEFAULT_CHANNEL ? { defaultChannel: config.SLACK_DEFAULT_CHANNEL } : {};
  let notifier: ReturnType<typeof createNotifier> | undefined;
  let worker: ReturnType<typeof createCommandWorker> | undefined;
  let homes: Homes | undefined;
  let refresh: HomeRefresh | undefined;
  // A tick keeps a deadline even where the process could run on (serve, `simwatch poll`), so a
  // burst is read at Amigo's pace over several ticks, each saving what it read.
  const poll = async (deadline: Deadline = tickDeadline(() => Number.POSITIVE_INFINITY)) => {
    const report = await pollOnce({ amigo, state, bus, clock, logger, ...owner, giveUpAfterHours: config.GIVE_UP_AFTER_HOURS, stateRetentionDays: config.STATE_RETENTION_DAYS, deadline });
    if (services.pagesOnTick) await publishPendingPages({ archive: services.archive, state, clock, logger, archivePrefix: config.ARCHIVE_PREFIX }).catch((error: unknown) => logger.warn("poller.pages_pending", errorFields(error)));
    return report;
  };
  return {
    /** One tick (what `simwatch poll`, cron and CI call). */
    poll,
    /** Ticks while runs are in progress, every FOLLOW_INTERVAL_SECONDS or slower, while the limits given allow. */
    follow: async (limits: Pick<FollowOptions, "remainingMs" | "nextInvocationInMs" | "signal">) => {
      const lastTick = async () => {
        const tick = (await readWatchlist(state))?.lastTick;
        return tick ? { atMs: Date.parse(tick.at), listRunsCalls: tick.listRunsCalls } : undefined;
      };
      const reports = await follow(poll, { followIntervalMs: config.FOLLOW_INTERVAL_SECONDS * 1000, lastTick, nowMs: () => clock.now().getTime(), ...limits });
      if (reports.length === 0) logger.info("poller.paced", { reason: "the last tick's list calls leave this invocation no room for another within Amigo's limit" });
      return reports;
    },
    /** The poll schedule's interval, which a Lambda invocation paces its last tick against. */
    scheduleIntervalMs: (config.POLL_INTERVAL_SECONDS ?? 60) * 1000,
    /** `remainingMs`: the invocation's time left (Lambda); locally ARCHIVE_BUDGET_SECONDS, if set, from now. */
    archive: (detail: ArtifactsReadyDetail, remainingMs?: () => number) =>
      archiveRun(
        {
          amigo,
          archive: services.archive,
          state,
          bus,
          clock,
          logger,
          ...owner,
          download: services.download ?? httpDownloader({ amigoBaseUrl: services.amigoBaseUrl, maxBytes: config.ARCHIVE_MAX_BYTES }),
          archivePrefix: config.ARCHIVE_PREFIX,
          deadline: archiveDeadline(remainingMs, config.ARCHIVE_BUDGET_SECONDS),
          ...(services.signal ? { signal: services.signal } : {}),
        },
        detail,
      ),
    notify(event: SimwatchEvent) {
      notifier ??= createNotifier({
        chat: chatOf(services),
        state,
        clock,
        log: logger,
        ...owner,
        ...defaultChannel,
        ...(services.directory ? { directory: services.directory } : {}),
        allowedChannels: config.SLACK_ALLOWED_CHANNELS,
        ...(config.ARCHIVE_WEB_URL ? { archiveWebUrl: config.ARCHIVE_WEB_URL } : {}),
      });
      return notifier.handle(event);
    },
    /** `remainingMs`: the invocation's time left (Lambda): the command's deadline, and a killed worker's claim expires soon after. */
    command(detail: CommandAcceptedDetail, remainingMs?: number) {
      return commandWorker().handle(detail, limits(remainingMs));
    },
    /** A schedule's time: its run, through the command worker (the same `/sim run`). */
    scheduledRun(detail: ScheduledRunDueDetail, remainingMs?: number) {
      return commandWorker().handleDue(detail, limits(remainingMs));
    },
    /** Someone opened the Home tab: their Home is published (core/home), once per opening; then Homes still queued go on. */
    async homeOpened(detail: HomeOpenedDetail, remainingMs?: number) {
      const outcome = await homeTabs().opened(detail, limits(remainingMs));
      await homeRefresh().drain({ deadline: deadlineOf(Math.min(remainingMs ?? 15_000, 15_000)) });
      return outcome;
    },
    /** A run finished: the Homes showing its set are refreshed (at most once a minute each, within Slack's rate). */
    homeRunFinished(detail: RunFinishedDetail, remainingMs?: number) {
      return homeRefresh().runFinished(detail.setId, drainTime(remainingMs));
    },
    /** `Home Refresh Due`: the queue goes on draining. */
    homeRefreshDue(remainingMs?: number) {
      return homeRefresh().drain(drainTime(remainingMs));
    },
    /** The Homes, for `simwatch home`. */
    homes: () => homeTabs(),
  };

  /** A drain in Lambda keeps to 20 s of its invocation, leaving the worker's few slots to commands; locally it runs on. */
  function drainTime(remainingMs: number | undefined): { deadline?: Deadline } {
    return remainingMs === undefined ? {} : { deadline: deadlineOf(Math.min(remainingMs, 25_000)) };
  }

  /** An invocation's time left, less a margin to save in. */
  function deadlineOf(remainingMs: number): Deadline {
    return deadlineIn(remainingMs - 5_000, () => clock.now().getTime());
  }

  function homeRefresh() {
    refresh ??= createHomeRefresh({ ...homeDeps(), bus, homes: homeTabs() });
    return refresh;
  }

  function homeDeps() {
    return {
      amigo,
      state,
      chat: chatOf(services),
      clock,
      access: services.access,
      log: logger,
      ...owner,
      ...(config.ARCHIVE_WEB_URL ? { archiveWebUrl: config.ARCHIVE_WEB_URL } : {}),
    };
  }

  function homeTabs() {
    homes ??= createHomes(homeDeps());
    return homes;
  }

  function commandWorker() {
    worker ??= createCommandWorker({
      amigo,
      access: services.access,
      archive: services.archive,
      archivePrefix: config.ARCHIVE_PREFIX,
      ...(config.ARCHIVE_WEB_URL ? { archiveWebUrl: config.ARCHIVE_WEB_URL } : {}),
      state,
      chat: chatOf(services),
      clock,
      log: logger,
      ...owner,
      amigoUser: { org_id: services.amigoOrgId, user_id: services.amigoUserId },
      ...defaultChannel,
      ...(services.timers ? { timers: services.timers } : {}),
      budgetMs: config.COMMAND_BUDGET_SECONDS * 1000,
      // A look-up Amigo's limits spread over more deliveries than the bus makes goes on in a new event.
      requeue: (detail) => bus.publish([event("Command Accepted", detail)]),
      ...(services.directory ? { directory: services.directory } : {}),
      allowedChannels: config.SLACK_ALLOWED_CHANNELS,
    });
    return worker;
  }
}

/** Time kept back from a Lambda invocation's end: the archiver stops a copy before it, with its progress saved. */
export const ARCHIVER_SAVE_MARGIN_MS = 15_000;

function archiveDeadline(remainingMs: (() => number) | undefined, budgetSeconds: number | undefined): Deadline {
  if (remainingMs) return sooner({ remainingMs }, ARCHIVER_SAVE_MARGIN_MS);
  return budgetSeconds === undefined ? NO_DEADLINE : deadlineIn(budgetSeconds * 1000);
}

const limits = (remainingMs: number | undefined) => (remainingMs === undefined ? {} : { claimTtlMs: remainingMs + 10_000, remainingMs });

export type Pipeline = ReturnType<typeof createPipeline>;
