/**
 * What every verb of the command worker works with: its dependencies, the command, and the
 * command record's `step`, which runs a step once per command and hands a redelivery the
 * recorded result instead, so a command resumes where it stopped and never repeats an effect.
 */
import type { SlackDirectory } from "../../notifier/directory.js";
import type { UserInfo } from "../../model/amigo-model.js";
import type { ChatMessage } from "../../chat.js";
import type { CommandAcceptedDetail } from "../../events.js";
import type { Logger } from "../../log.js";
import type { AmigoApi, ArchiveStore, ScheduleTimers } from "../../ports.js";
import type { PostOnceDeps } from "../../idempotency/post-once.js";
import type { MessageDeps } from "../../notifier/run-messages.js";
import type { SetList } from "../set-list.js";

export interface VerbDeps extends MessageDeps {
  /** Bound to the command's deadline: no call starts or waits past it (a deferral is thrown instead). */
  amigo: AmigoApi;
  /** Every set's id and name, cached in state: how verbs find a set by name (lookUpSet). */
  sets: SetList;
  log: Logger;
  posting: PostOnceDeps;
  /** The Amigo user simwatch acts as: every run it creates has this creator (for the 409 look-up). */
  amigoUser?: UserInfo;
  /** SLACK_DEFAULT_CHANNEL, to say where unsubscribed sets go. */
  defaultChannel?: string;
  /** EventBridge Scheduler, in AWS; locally none (serve evaluates the schedules in state). */
  timers?: ScheduleTimers;
  commandWord: string;
  /** Where archived artifacts are, for the Download artifacts button. */
  archive?: Pick<ArchiveStore, "locationOf" | "presignDownload">;
  archivePrefix: string;
  /** Lifetime of a presigned download link, seconds (default 300). */
  downloadLinkSeconds?: number;
  /** ARCHIVE_WEB_URL: the archive browser, which `/sim report` links into. */
  archiveWebUrl?: string;
  /** Slack's directory and SLACK_ALLOWED_CHANNELS: where a set's tags route it and who owns it (`/sim status <set>`). */
  directory?: SlackDirectory;
  allowedChannels?: readonly string[];
}

export interface CommandContext {
  deps: VerbDeps;
  detail: CommandAcceptedDetail;
  now(): Date;
  /** Runs `work` once per command; a redelivery gets the recorded result (JSON) instead. */
  step<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** The result an earlier attempt recorded for a step, if any. */
  recorded<T>(name: string): T | undefined;
}

export interface VerbResult {
  reply: ChatMessage;
  runId?: string;
  /** The set's unfinished run that kept a run from starting (Amigo's 409). */
  blockedBy?: string;
}
