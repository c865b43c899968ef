/**
 * Where simwatch keeps its little state: under `_simwatch/` in the archive bucket (or
 * ARCHIVE_DIR/_simwatch/), beside and never inside the browsable archive prefix.
 * One marker object per state change, created with IfNoneMatch "*", makes every
 * consumer idempotent.
 */
export const STATE_ROOT = "_simwatch/";

/**
 * State that expires after STATE_RETENTION_DAYS: markers, pending events, per-run state and
 * command records. Settings (subscriptions, schedules), each set's baseline and the poller's
 * watch list never do. The stack turns each prefix into an S3 lifecycle rule; the folder
 * store prunes them.
 */
export const EXPIRING_STATE_PREFIXES: readonly string[] = ["done/", "outbox/", "runs/", "commands/", "cancelled/", "bus/"].map(
  (prefix) => `${STATE_ROOT}${prefix}`,
);

export const stateKeys = {
  /**
   * The poller's watch list and cursor, one document (read once per tick, replaced with
   * IfMatch): the runs it watches until archived or given up on, and when it last listed.
   */
  watchlist: () => `${STATE_ROOT}poller/watchlist.json`,
  /** A lease held while one archiver streams a run's artifacts. */
  archivingLease: (runId: string) => `${STATE_ROOT}runs/${runId}/archiving.json`,
  /** Exactly-once markers, one per event per run. */
  runStartedMarker: (runId: string) => `${STATE_ROOT}done/${runId}/started`,
  runFinishedMarker: (runId: string) => `${STATE_ROOT}done/${runId}/finished`,
  artifactsReadyMarker: (runId: string) => `${STATE_ROOT}done/${runId}/artifacts-ready`,
  archivedMarker: (runId: string) => `${STATE_ROOT}done/${runId}/archived`,
  /** The finished run's message was updated to say simwatch gave up on its artifacts. */
  gaveUpMarker: (runId: string) => `${STATE_ROOT}done/${runId}/gave-up`,
  /** Set by simwatch when it cancels a run, the only way a verdict can be "cancelled". */
  cancelledBySimwatch: (runId: string) => `${STATE_ROOT}cancelled/${runId}.json`,
  /** Listed once per tick instead of one look-up per finished run. */
  cancelledPrefix: () => `${STATE_ROOT}cancelled/`,
  /** Where a run was started from in Slack. */
  runOrigin: (runId: string) => `${STATE_ROOT}runs/${runId}/origin.json`,
  /** A summary too large to travel inside an event. */
  runSummary: (runId: string) => `${STATE_ROOT}runs/${runId}/summary.json`,
  /** The run's Slack message in one channel, edited in place. */
  runMessage: (runId: string, channelId: string) => `${STATE_ROOT}runs/${runId}/messages/${channelId}.json`,
  runMessagesPrefix: (runId: string) => `${STATE_ROOT}runs/${runId}/messages/`,
  /** Everything the notifier knows about a run (merged from its events), to render its message. */
  runCard: (runId: string) => `${STATE_ROOT}runs/${runId}/card.json`,
  /** Once-only thread replies under a run's message in one channel (overflow failures, pings). */
  runThreadReply: (runId: string, channelId: string, what: string) => `${STATE_ROOT}runs/${runId}/replies/${channelId}/${what}`,
  /** The last finished run of a set, for the diff against the previous run. */
  lastFinishedRun: (setId: string) => `${STATE_ROOT}sets/${setId}/last-finished.json`,
  subscription: (setId: string, channelId: string) => `${STATE_ROOT}subscriptions/${setId}/${channelId}.json`,
  subscriptionsPrefix: (setId?: string) => `${STATE_ROOT}subscriptions/${setId ? `${setId}/` : ""}`,
  /** A Slack command already handled (requestId = idempotency key). */
  commandMarker: (requestId: string) => `${STATE_ROOT}commands/${requestId}`,
} as const;

/** Archive layout (DESIGN.md): <prefix><set_id>/<run_id>/{artifacts<ext>,run.json,summary.md}. */
export const archiveKeys = {
  folder: (prefix: string, setId: string, runId: string) => `${prefix}${setId}/${runId}/`,
  artifacts: (prefix: string, setId: string, runId: string, extension: string) =>
    `${prefix}${setId}/${runId}/artifacts${extension}`,
  runJson: (prefix: string, setId: string, runId: string) => `${prefix}${setId}/${runId}/run.json`,
  summaryMarkdown: (prefix: string, setId: string, runId: string) => `${prefix}${setId}/${runId}/summary.md`,
} as const;
