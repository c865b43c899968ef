/**
 * The events on the simwatch bus (docs/how-it-works.md#events has an example of each):
 * EventBridge `source` = "simwatch", one documented `detail-type` and JSON `detail` each.
 */
import type { UserInfo } from "./model/amigo-model.js";
import type { Command } from "./commands/commands.js";
import type { RunSummary, Tag } from "./summary/summary-model.js";
import type { Verdict } from "./model/verdict.js";

export const EVENT_SOURCE = "simwatch";

/** Where a run was started from in Slack, so its summary lands in that thread. */
export interface SlackOrigin {
  channelId: string;
  /** ts of the announcement message; the run's thread. */
  threadTs?: string;
  userId: string;
  teamId?: string;
  /** The run was started by this user's schedule (how it reads), not typed. */
  scheduled?: string;
  /** The command that started (or adopted) the run: no other command may adopt it. */
  requestId?: string;
}

export interface RunStartedDetail {
  runId: string;
  setId: string;
  /** Resolved by the poller in one batched look-up per tick, so no consumer asks Amigo per run. */
  setName?: string;
  /** The set's Amigo tags, from the same look-up (routing by `slack-channel` while it runs). */
  setTags?: Tag[];
  createdAt: string;
  creator: UserInfo;
  origin?: SlackOrigin;
}

export interface RunFinishedDetail {
  runId: string;
  setId: string;
  setName?: string;
  verdict: Verdict;
  /** Inline when it fits in an event; otherwise `summaryRef` names the state key holding it. */
  summary?: RunSummary;
  summaryRef?: string;
}

export interface ArtifactsReadyDetail {
  runId: string;
  setId: string;
}

export interface RunArchivedDetail {
  runId: string;
  setId: string;
  /** `s3://bucket/key` or a filesystem path. */
  location: string;
  /** The artifact file's key within the archive (for presigning downloads). */
  key: string;
  size: number;
  sha256: string;
  contentType: string;
  /**
   * Present when the artifact file could not be archived and the archiver gave up after
   * `tries` deliveries (404, larger than ARCHIVE_MAX_BYTES, a refused link); then `key` is empty,
   * `location` is the run's run.json, and size and sha256 are 0 and empty.
   */
  failure?: ArtifactFailure;
}

export interface ArtifactFailure {
  reason: string;
  tries: number;
}

/** The Run Archived detail kept in an archived marker (which carries more, e.g. archivedAt). */
export function runArchivedDetailOf(marker: RunArchivedDetail): RunArchivedDetail {
  const { runId, setId, location, key, size, sha256, contentType, failure } = marker;
  return { runId, setId, location, key, size, sha256, contentType, ...(failure ? { failure: { reason: failure.reason, tries: failure.tries } } : {}) };
}

/** The Download artifacts button: a fresh link to a run's archived artifact file. */
export interface DownloadCommand {
  verb: "download";
  runId: string;
  setId: string;
  /** The archive key the button names; the worker links it only if it lies in this run's folder. */
  key: string;
}

/** What the command worker carries out: a slash command, or a button that is not one. */
export type AcceptedCommand = Command | DownloadCommand;

/** Who sent a Slack request (a slash command, a button click), from where, and how to answer it. */
export interface SlackIdentity {
  userId: string;
  userName?: string;
  channelId?: string;
  /** The Slack workspace the request came from (a button's `team.id`). */
  teamId?: string;
  /** A button's `user.team_id`, the clicking user's own workspace, when it differs from `teamId` (Slack Connect; an E… id on Enterprise Grid). */
  userTeamId?: string;
  /** The Enterprise Grid organization, when there is one (`enterprise.id`, `team.enterprise_id`). */
  enterpriseId?: string;
  responseUrl?: string;
  triggerId?: string;
  /** For button clicks: the message the button was on. */
  messageTs?: string;
}

export interface CommandAcceptedDetail extends Omit<SlackIdentity, "channelId" | "triggerId"> {
  command: AcceptedCommand;
  /** The command text as typed, for messages. */
  text: string;
  channelId: string;
  /** Unique per Slack request (trigger_id or a hash of the body): the idempotency key. */
  requestId: string;
  /** When slack-http accepted it (ISO): its response_url works for 30 minutes from then. */
  acceptedAt?: string;
  /** Set when a schedule issued the command (a `Scheduled Run Due`): nobody is there to answer privately. */
  schedule?: ScheduledBy;
}

/** The schedule behind a command, and the time it was due at. */
export interface ScheduledBy {
  scheduleId: string;
  setName: string;
  dueAt: string;
  timeZone: string;
  /** How the schedule reads, for the run's message ("every day at 09:00, UTC time"). */
  description: string;
}

/** What a schedule's timer (EventBridge Scheduler, or serve's clock) delivers at each time. */
export interface ScheduledRunDueDetail {
  scheduleId: string;
  setId: string;
  channelId: string;
  owner: string;
  /** The time it was due at (ISO 8601), not when it was delivered. */
  dueAt: string;
}

/**
 * Someone opened simwatch's Home tab in Slack (Events API `app_home_opened`, tab `home`), as
 * the Slack app received it: the command worker publishes that person's Home.
 */
export interface HomeOpenedDetail {
  userId: string;
  /** The workspace the event came from (`team_id`). */
  teamId?: string;
  enterpriseId?: string;
  /** Slack's `event_id`: the same for each of Slack's retries, so the Home is published once per opening. */
  eventId: string;
  /** When Slack says the Home was opened (`event_time`), ISO 8601. */
  openedAt: string;
}

/**
 * Homes wait in the refresh queue (home-refresh.ts) that the last drain could not publish
 * within its time or Slack's rate: whoever takes this event drains on.
 */
export interface HomeRefreshDueDetail {
  /** How many Homes were waiting (ISO time the drain stopped at, for the logs). */
  waiting: number;
  at: string;
}

export interface EventDetails {
  "Run Started": RunStartedDetail;
  "Run Finished": RunFinishedDetail;
  "Artifacts Ready": ArtifactsReadyDetail;
  "Run Archived": RunArchivedDetail;
  "Command Accepted": CommandAcceptedDetail;
  "Scheduled Run Due": ScheduledRunDueDetail;
  "Home Opened": HomeOpenedDetail;
  "Home Refresh Due": HomeRefreshDueDetail;
}

export type DetailType = keyof EventDetails;
export const DETAIL_TYPES: readonly DetailType[] = [
  "Run Started",
  "Run Finished",
  "Artifacts Ready",
  "Run Archived",
  "Command Accepted",
  "Scheduled Run Due",
  "Home Opened",
  "Home Refresh Due",
];

export type SimwatchEvent = {
  [K in DetailType]: { detailType: K; detail: EventDetails[K] };
}[DetailType];

export type EventOf<K extends DetailType> = Extract<SimwatchEvent, { detailType: K }>;

export function event<K extends DetailType>(detailType: K, detail: EventDetails[K]): EventOf<K> {
  return { detailType, detail } as EventOf<K>;
}
