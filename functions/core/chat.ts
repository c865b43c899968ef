/**
 * The chat port and the semantic messages core sends through it. Core decides what a
 * message says (a RunCard, a list of failing tests, a Notice made of typed spans); an
 * adapter decides how it looks (slack/blocks.ts renders Block Kit, local/terminal-chat.ts
 * prints the same blocks as text). Text that comes from users or Amigo travels as plain
 * strings and is escaped by the renderer, so a unit test's name can never ping anyone.
 */
import type { UserInfo } from "./model/amigo-model.js";
import type { Mention } from "./commands/commands.js";
import type { RunArchivedDetail } from "./events.js";
import type { Counts, FailingUnitTest, FlakyTest, RunDiff, RunErrorEntry, Trend } from "./summary/summary-model.js";
import type { Verdict } from "./model/verdict.js";

/** A posted message: where it is, so it can be edited in place or replied to. */
export interface MessageRef {
  channelId: string;
  ts: string;
}

/** Who started a run: the Slack user who asked (or whose schedule did), else the Amigo user that created it. */
export type Person = { slackUserId: string; schedule?: string } | { amigoUser: UserInfo };

/** Buttons. `action_id`s are fixed so the interactions endpoint can route them. */
export const ACTION_IDS = {
  rerun: "simwatch_rerun",
  cancel: "simwatch_cancel",
  download: "simwatch_download",
} as const;

export type RunAction =
  | { kind: "rerun"; setId: string; label: string }
  | { kind: "cancel"; runId: string; label: string }
  | { kind: "download"; runId: string; setId: string; key: string; label: string };

/** Where a finished run's artifacts were archived: its Run Archived event, less the ids the card has. */
export type ArchiveFacts = Omit<RunArchivedDetail, "runId" | "setId">;

/**
 * Someone an `owner` tag names: a Slack user or user group to mention, or, for anything else
 * (a broadcast such as <!channel>, a handle nobody has, a malformed value), the text as tagged,
 * shown escaped and never a mention.
 */
export type Owner = { mention: Mention } | { text: string };

/** A run's message: "running" while it runs, then its verdict and summary. */
export interface RunCard {
  runId: string;
  setId: string;
  setName: string;
  verdict: Verdict;
  startedBy?: Person;
  createdAt?: string;
  durationSeconds?: number;
  unitTests?: Counts;
  metricEvaluations?: Counts;
  runErrors: RunErrorEntry[];
  /** The failing unit tests shown in the message itself (at most FAILURES_INLINE). */
  failingUnitTests: FailingUnitTest[];
  /** How many more failing unit tests the thread reply lists. */
  moreFailing: number;
  /** A "Why it failed" reply in the card's thread lists every failing unit test (posted, or to follow). */
  whyInThread: boolean;
  /** The verdict went out before the judge's reasons were read; they follow in the thread. */
  awaitingReasons: boolean;
  diff?: RunDiff;
  /** Flaky unit tests, listed apart from the diff's newly failing ones. */
  flaky: FlakyTest[];
  /** The set's unit-test pass rate over its last finished runs. */
  trend?: Trend;
  notes: string[];
  archive?: ArchiveFacts;
  /** The run's report in the archive browser (a stable link, never presigned): once it is archived. */
  reportUrl?: string;
  /** Prepended to the message (the run failed and the channel asked to be pinged). */
  mention?: Mention;
  /** The set's owners (its `owner` tag), on the failure line: only when the run failed or errored. */
  owners?: Owner[];
  actions: RunAction[];
}

/** The "Why it failed" thread reply: every failing unit test, each with every reason the judge gave. */
export interface WhyItFailed {
  runId: string;
  setName: string;
  failingUnitTests: FailingUnitTest[];
  /** The run's caveats (reasons that could not be read, say). */
  notes: string[];
  /** Owners of failing unit tests (their `owner` tag), by unit test id, shown next to each. */
  owners?: Record<string, Owner[]>;
  /** The run's report in the archive browser, where every reason is in full (a stable link). */
  reportUrl?: string;
}

/** A piece of a notice line: plain text (escaped when rendered) or something typed. */
export type Span =
  | string
  | { code: string }
  | { bold: string }
  | { user: string }
  | { channel: string }
  | { mention: Mention }
  | { link: { url: string; label: string } }
  /** A moment (ISO), shown as date and time in each reader's own time zone. */
  | { time: string };

export type Line = readonly Span[];

export type Tone = "info" | "success" | "warning" | "error";

/** A reply to a command, or a short message in a run's thread. */
export interface Notice {
  tone: Tone;
  title?: string;
  lines: Line[];
  actions?: RunAction[];
}

export type ChatMessage =
  | { kind: "run"; card: RunCard }
  | { kind: "why"; why: WhyItFailed }
  | { kind: "notice"; notice: Notice };

/** A button on the Home tab: one of the run buttons, or a link (opened by Slack, never sent to simwatch). */
export type HomeButton = RunAction | { kind: "link"; url: string; label: string };

/**
 * One block of a Home tab, as the renderer draws it: exactly one Block Kit block each, so the
 * Home's builder counts Slack's blocks by counting these.
 */
export type HomeBlock =
  | { kind: "header"; text: string }
  /** A few lines in one section (the builder keeps it under a section's 3,000 characters). */
  | { kind: "lines"; lines: Line[] }
  /** One line with a button beside it. */
  | { kind: "item"; line: Line; button?: HomeButton }
  | { kind: "buttons"; buttons: HomeButton[] }
  | { kind: "context"; line: Line }
  | { kind: "divider" };

/** A person's Home tab (Slack App Home), published as a whole each time. */
export interface HomeView {
  userId: string;
  blocks: HomeBlock[];
}

export interface RespondOptions {
  /** Ephemeral: only the person who asked sees it. */
  visibility: "ephemeral" | "in_channel";
  /** Replace the message the response_url belongs to (a button's message); default false. */
  replaceOriginal?: boolean;
}

/**
 * What a post is for: carried with the message (Slack message metadata) so that, after a post
 * whose outcome is unknown, `findPosted` can tell whether it reached the channel.
 */
export interface PostTag {
  runId: string;
  /** "card" for the run's message; the purpose of a thread reply otherwise ("mention", ...). */
  what: string;
  /** Other purposes the post serves: a finished run's first card that carries the ping is the ping too. */
  also?: string[];
}

export interface PostOptions {
  threadTs?: string;
  tag?: PostTag;
}

/** What core needs from a chat service. */
export interface ChatPort {
  /**
   * Posts a new message (in a thread when `threadTs` is given). Mentions in it notify. Never
   * retried inside the call once the request may have reached the service: a failure whose
   * outcome is unknown is a ChatError with `mayHavePosted`.
   */
  post(channelId: string, message: ChatMessage, options?: PostOptions): Promise<MessageRef>;
  /**
   * The message this app posted with `tag` in the channel (or in the thread `threadTs`) since
   * `since`, if there is one. Throws a ChatError when it cannot look (a missing scope, say):
   * then nobody can tell, and the caller must not post again.
   */
  findPosted(channelId: string, tag: PostTag, options: { since: Date; threadTs?: string }): Promise<MessageRef | undefined>;
  /** Edits a message in place (edits do not notify anyone). */
  update(ref: MessageRef, message: ChatMessage): Promise<void>;
  /** Answers a slash command or a button click through its response_url. */
  respond(responseUrl: string, message: ChatMessage, options: RespondOptions): Promise<void>;
  /** Publishes a person's Home tab (views.publish), replacing what it showed. */
  publishHome?(view: HomeView): Promise<void>;
  /** Whether Slack would take the Home as rendered (at most 100 blocks and 250 KB of view). */
  homeFits?(view: HomeView): boolean;
}

/**
 * A chat call that failed. `code` is the service's error (Slack's `error` field, e.g.
 * `not_in_channel`, `channel_not_found`, `message_not_found`, or `rate_limited`, `timeout`,
 * `http_error`); `retryable` says whether trying the same call later may succeed.
 */
export class ChatError extends Error {
  override readonly name = "ChatError";
  /**
   * The request may have reached the service and taken effect (a timeout, a dropped
   * connection, an HTTP 5xx): a post must be looked for before it is sent again.
   */
  readonly mayHavePosted: boolean;
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    readonly retryAfterSeconds?: number,
    options: { mayHavePosted?: boolean } = {},
  ) {
    super(message);
    this.mayHavePosted = options.mayHavePosted ?? false;
  }
}

/** The bot cannot post in that channel (not invited, archived, or no such channel). */
export function cannotPostIn(error: unknown): boolean {
  return (
    error instanceof ChatError &&
    ["not_in_channel", "channel_not_found", "is_archived", "restricted_action", "cannot_reply_to_message"].includes(error.code)
  );
}

export const notice = (tone: Tone, lines: Line[], extra: { title?: string; actions?: RunAction[] } = {}): ChatMessage => ({
  kind: "notice",
  notice: { tone, lines, ...extra },
});

/** A one-line notice. */
export const say = (tone: Tone, line: Line, extra: { title?: string; actions?: RunAction[] } = {}): ChatMessage =>
  notice(tone, [line], extra);
