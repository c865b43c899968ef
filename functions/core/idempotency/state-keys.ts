/**
 * Where simwatch keeps its little state: under `_simwatch/` in the archive bucket (or
 * ARCHIVE_DIR/_simwatch/), beside and never inside the browsable archive prefix.
 * One marker object per state change, created with IfNoneMatch "*", makes every
 * consumer idempotent.
 */
import { InvalidObjectId, requireObjectId } from "../model/object-id.js";

export const STATE_ROOT = "_simwatch/";

/**
 * State that expires after STATE_RETENTION_DAYS: markers, pending events, per-run state and
 * command records. Settings (subscriptions, schedules), each set's baseline and the poller's
 * watch list never do. The stack turns each prefix into an S3 lifecycle rule; the folder
 * store prunes them.
 */
export const EXPIRING_STATE_PREFIXES: readonly string[] = ["done/", "outbox/", "runs/", "commands/", "cancelled/", "bus/", "due/", "home/"].map(
  (prefix) => `${STATE_ROOT}${prefix}`,
);

const run = (runId: string) => requireObjectId("run id", runId);
const set = (setId: string) => requireObjectId("set id", setId);

/** Slack channel ids (or a configured "#name") and other words that go into a key. */
const KEY_WORD = /^[#\w.-]{1,100}$/;
function word(what: string, value: string): string {
  if (!KEY_WORD.test(value) || value.startsWith(".")) throw new InvalidObjectId(what, value);
  return value;
}

/** An outbox event id, `<runId>/<what>`: the run's id checked, the kind a plain word. */
function eventId(id: string): [string, string] {
  const [runId = "", what = "", ...rest] = id.split("/");
  if (rest.length > 0) throw new InvalidObjectId("event id", id);
  return [run(runId), word("event kind", what)];
}

export const stateKeys = {
  /**
   * The poller's watch list and cursor, one document (read once per tick, replaced with
   * IfMatch): the runs it watches until archived or given up on, and when it last listed.
   */
  watchlist: () => `${STATE_ROOT}poller/watchlist.json`,
  /** Everything simwatch keeps about one run. */
  runStatePrefix: (runId: string) => `${STATE_ROOT}runs/${run(runId)}/`,
  /** The claim held while one archiver streams a run's artifacts (heartbeated, so it expires soon after its holder dies). */
  archivingLease: (runId: string) => `${STATE_ROOT}runs/${run(runId)}/archiving.json`,
  /** The archiver's progress on a run's artifact file: failed tries, and the resumable upload under way. */
  artifactCopy: (runId: string) => `${STATE_ROOT}runs/${run(runId)}/artifact-copy.json`,
  /** An event recorded and not yet delivered (core/idempotency/outbox.ts). */
  outboxEntry: (id: string) => `${STATE_ROOT}outbox/${eventId(id).join(".")}.json`,
  outboxPrefix: () => `${STATE_ROOT}outbox/`,
  /** An event the bus has accepted: `done/<runId>/<what>`, e.g. done/<run>/started. */
  deliveredMarker: (id: string) => `${STATE_ROOT}done/${eventId(id).join("/")}`,
  /** The run's artifacts are in the archive (written by the archiver, with the Run Archived detail). */
  archivedMarker: (runId: string) => `${STATE_ROOT}done/${run(runId)}/archived`,
  /** simwatch asked Amigo to cancel the run; its status says whether Amigo accepted (the only way to "cancelled"). */
  cancelRequest: (runId: string) => `${STATE_ROOT}cancelled/${run(runId)}.json`,
  /** Listed once per tick instead of one look-up per finished run. */
  cancelRequestsPrefix: () => `${STATE_ROOT}cancelled/`,
  /** Where a run was started from in Slack. */
  runOrigin: (runId: string) => `${STATE_ROOT}runs/${run(runId)}/origin.json`,
  /** The finished run as Amigo returned it, kept by the poller for the archiver's run.json. */
  amigoRun: (runId: string) => `${STATE_ROOT}runs/${run(runId)}/amigo-run.json`,
  /** One page of a finished run's judge results as Amigo returned it (full justifications), numbered from 0. */
  judgePage: (runId: string, index: number) => `${STATE_ROOT}runs/${run(runId)}/judge/${String(index).padStart(5, "0")}.json`,
  judgePagesPrefix: (runId: string) => `${STATE_ROOT}runs/${run(runId)}/judge/`,
  /** A summary too large to travel inside an event. */
  runSummary: (runId: string) => `${STATE_ROOT}runs/${run(runId)}/summary.json`,
  /** The run's Slack message in one channel, edited in place (a claim: core/idempotency/post-once.ts). */
  runMessage: (runId: string, channelId: string) => `${STATE_ROOT}runs/${run(runId)}/messages/${word("channel", channelId)}.json`,
  runMessagesPrefix: (runId: string) => `${STATE_ROOT}runs/${run(runId)}/messages/`,
  /** Everything the notifier knows about a run (merged from its events), to render its message. */
  runCard: (runId: string) => `${STATE_ROOT}runs/${run(runId)}/card.json`,
  /** Once-only thread replies under a run's message in one channel ("why it failed", pings). */
  runThreadReply: (runId: string, channelId: string, what: string) =>
    `${STATE_ROOT}runs/${run(runId)}/replies/${word("channel", channelId)}/${word("reply", what)}`,
  /** The last finished run of a set, for the diff against the previous run. */
  lastFinishedRun: (setId: string) => `${STATE_ROOT}sets/${set(setId)}/last-finished.json`,
  subscription: (setId: string, channelId: string) => `${STATE_ROOT}subscriptions/${set(setId)}/${word("channel", channelId)}.json`,
  subscriptionsPrefix: (setId?: string) => `${STATE_ROOT}subscriptions/${setId ? `${set(setId)}/` : ""}`,
  /** A channel's schedule of a set (`/sim schedule`): a setting, never expired. */
  schedule: (setId: string, channelId: string) => `${STATE_ROOT}schedules/${set(setId)}/${word("channel", channelId)}.json`,
  schedulesPrefix: () => `${STATE_ROOT}schedules/`,
  /** The local evaluator handed this due time of a schedule to the bus. */
  scheduleDueSent: (scheduleId: string, dueAt: string) => `${STATE_ROOT}due/${word("schedule id", scheduleId)}/${word("due time", dueAt)}.sent`,
  /** A message told the schedule's channel about one of its times (posted once: a claim). */
  scheduleNotice: (scheduleId: string, what: string) => `${STATE_ROOT}due/${word("schedule id", scheduleId)}/${word("notice", what)}.json`,
  /** The Home tab's shared facts (runs of the last 7 days, set names, schedules), read at most once a minute. */
  homeFacts: () => `${STATE_ROOT}home/facts.json`,
  /** Who refreshes the Home's facts after the version `version` went stale (one reader per version). */
  homeFactsLease: (version: string) => `${STATE_ROOT}home/facts-leases/${word("facts version", version)}.json`,
  /** One opening of a Home (Slack's event_id): published once, whatever Slack retries (a claim). */
  homeOpening: (eventId: string) => `${STATE_ROOT}home/openings/${word("event id", eventId)}.json`,
  /** A person who opened their Home: when, from which workspace, and which sets it shows. */
  homeViewer: (userId: string) => `${STATE_ROOT}home/viewers/${word("user id", userId)}.json`,
  homeViewersPrefix: () => `${STATE_ROOT}home/viewers/`,
  /** The Homes waiting to be republished and the latest publications: one queue, written by its drainer alone. */
  homeQueue: () => `${STATE_ROOT}home/queue.json`,
  /** Who drains the queue now (a claim: one drainer at a time, taken over when it dies). */
  homeDrainer: () => `${STATE_ROOT}home/drainer.json`,
  /** A run of the set finished since the last drain: the Homes showing it are due (created once, so finishes coalesce). */
  homeSetFinished: (setId: string) => `${STATE_ROOT}home/finished/${set(setId)}.json`,
  homeSetsFinishedPrefix: () => `${STATE_ROOT}home/finished/`,
  /** What a set's pages list: its newest runs and how many older pages are sealed (core/archive-pages/publish-pages.ts). */
  pagesSetHead: (setId: string) => `${STATE_ROOT}pages/sets/${set(setId)}/head.json`,
  /** Every set as the archive's index lists it. */
  pagesArchive: () => `${STATE_ROOT}pages/archive.json`,
  /** A run whose report is written and whose set page and archive index may not be yet. */
  pagesPending: (runId: string) => `${STATE_ROOT}pages/pending/${run(runId)}.json`,
  pagesPendingPrefix: () => `${STATE_ROOT}pages/pending/`,
  /** How far `simwatch archive rebuild-pages` got (the last run.json key it finished). */
  pagesRebuild: () => `${STATE_ROOT}pages/rebuild.json`,
  /** A Slack command's record (requestId = idempotency key), with each step's result. */
  commandRecord: (requestId: string) => `${STATE_ROOT}commands/${word("request id", requestId)}.json`,
  /** Every set's id and name, cached for the command worker's name look-ups (core/commands/set-list.ts). */
  setList: () => `${STATE_ROOT}commands/sets/list.json`,
} as const;

/** The outbox event id of one kind of event about one run. */
export const eventIds = {
  runStarted: (runId: string) => `${runId}/started`,
  runFinished: (runId: string) => `${runId}/finished`,
  /** The first Artifacts Ready is `artifacts-ready`; asking again after a stalled archive numbers it. */
  artifactsReady: (runId: string, emit: number) => (emit <= 1 ? `${runId}/artifacts-ready` : `${runId}/artifacts-ready-${emit}`),
  gaveUp: (runId: string) => `${runId}/gave-up`,
  /** The Run Finished that completes a summary whose verdict went out first (its reasons and trend read later). */
  summaryComplete: (runId: string) => `${runId}/summary-complete`,
  runArchived: (runId: string) => `${runId}/run-archived`,
} as const;

/** Archive layout: <prefix><set_id>/<run_id>/{artifacts<ext>,run.json,summary.md,report.html}, <prefix><set_id>/index.html, <prefix>index.html. */
export const archiveKeys = {
  folder: (prefix: string, setId: string, runId: string) => `${prefix}${set(setId)}/${run(runId)}/`,
  artifacts: (prefix: string, setId: string, runId: string, extension: string) => `${archiveKeys.folder(prefix, setId, runId)}artifacts${extension}`,
  runJson: (prefix: string, setId: string, runId: string) => `${archiveKeys.folder(prefix, setId, runId)}run.json`,
  summaryMarkdown: (prefix: string, setId: string, runId: string) => `${archiveKeys.folder(prefix, setId, runId)}summary.md`,
  report: (prefix: string, setId: string, runId: string) => `${archiveKeys.folder(prefix, setId, runId)}report.html`,
  /** A set's page: index.html its newest runs, index-<n>.html (n >= 2) older ones. */
  setPage: (prefix: string, setId: string, file = "index.html") => `${prefix}${set(setId)}/${file}`,
  archiveIndex: (prefix: string) => `${prefix}index.html`,
} as const;
