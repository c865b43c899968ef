/**
 * The notifier: one message per run per channel, posted when the run starts (or when it
 * finishes, if nobody saw it start) and edited in place as it finishes and is archived.
 * Where it goes is notify-targets.ts; how each channel is brought up to date, notify-sync.ts.
 *
 * Every handler is idempotent: posts are claimed and tagged (post-once.ts), thread replies
 * are claimed per purpose, and edits render the whole card from merged facts. Retryable chat
 * failures (rate limits, timeouts, a concurrent post) are thrown after every channel has been
 * tried, so a redelivery finishes the job without posting anything twice.
 */
import { type RunArchivedDetail, runArchivedDetailOf, type RunFinishedDetail, type RunStartedDetail, type SimwatchEvent } from "../events.js";
import { oneAtATimePerKey } from "../util/concurrency.js";
import { type Logger, silentLogger } from "../log.js";
import { finishTargets, postedTargets, subscribedTargets, type Target } from "./notify-targets.js";
import { emptyReport, type NotifyReport, type SyncFailure, syncTargets } from "./notify-sync.js";
import { isFailure, type RunFacts, summaryForMessages, tagsOf } from "./run-card.js";
import type { SlackDirectory } from "./directory.js";
import { runOwners } from "./owners.js";
import { type RoutingDeps, tagRoutedChannels } from "./tag-routing.js";
import { loadFacts, type MessageDeps, postingFor, updateFacts } from "./run-messages.js";
import { stateKeys } from "../idempotency/state-keys.js";
import type { RunSummary } from "../summary/summary-model.js";

export type { NotifyReport } from "./notify-sync.js";

export interface NotifierDeps extends MessageDeps {
  /** SLACK_DEFAULT_CHANNEL: where runs of sets nobody subscribed to are posted. */
  defaultChannel?: string;
  /** Slack's channels, people and groups, for `slack-channel` and `owner` tags (none in the terminal: ids only). */
  directory?: SlackDirectory;
  /** SLACK_ALLOWED_CHANNELS: a tag never routes a run outside them (empty = anywhere). */
  allowedChannels?: readonly string[];
  /** ARCHIVE_WEB_URL: the archive browser, which the card's Open report and Why it failed link into. */
  archiveWebUrl?: string;
}

/** Chat failures that a later redelivery can fix, gathered while the other channels are served. */
export class NotifyIncomplete extends Error {
  override readonly name = "NotifyIncomplete";
  constructor(
    readonly runId: string,
    readonly failures: SyncFailure[],
  ) {
    super(`Run ${runId}: could not finish notifying ${failures.map((f) => `${f.channelId} (${f.code})`).join(", ")}; retry the event`);
  }
}

export function createNotifier(deps: NotifierDeps) {
  const log = deps.log ?? silentLogger;
  const sync = { posting: postingFor(deps), state: deps.state, log, ...(deps.archiveWebUrl ? { archiveWebUrl: deps.archiveWebUrl } : {}) };
  const now = () => deps.clock.now();
  const directory = deps.directory ? { directory: deps.directory, state: deps.state, now, log } : undefined;
  const routing: RoutingDeps = { state: deps.state, log, now, ...(directory ? { directory } : {}), ...(deps.allowedChannels ? { allowedChannels: deps.allowedChannels } : {}) };

  /** The channels the set's `slack-channel` tag routes the run to. */
  const tagged = (facts: RunFacts) => tagRoutedChannels(routing, { setId: facts.setId, setName: facts.summary?.setName ?? facts.setName ?? facts.setId }, tagsOf(facts));
  /** Who the run's failure mentions (nobody unless it failed or errored). */
  const ownersOfRun = (facts: RunFacts) => runOwners(isFailure(facts.summary?.verdict ?? facts.verdict), tagsOf(facts), facts.summary?.failingUnitTests ?? [], directory);
  // A run's events are handled one after another in this process: two handlers rendering
  // the same facts side by side would each edit the card, one of them for nothing.
  const perRun = oneAtATimePerKey();

  function finish(runId: string, report: NotifyReport, failures: SyncFailure[]): NotifyReport {
    if (failures.length > 0) throw new NotifyIncomplete(runId, failures);
    log.info("notify.done", { runId, posted: report.posted, updated: report.updated, skipped: report.skipped });
    return report;
  }

  /** Renders until the facts stop changing under us (a concurrent event merged newer facts). */
  async function converge(runId: string, etag: string | undefined, post: boolean, targetsOf: (facts: RunFacts) => Promise<Target[]>) {
    const report = emptyReport();
    let seen = etag;
    let failures: SyncFailure[] = [];
    for (let round = 0; round < 3; round++) {
      const current = await loadFacts(deps.state, runId);
      if (!current || (round > 0 && current.etag === seen)) break;
      seen = current.etag;
      Object.assign(report, emptyReport());
      failures = await syncTargets(sync, current.facts, await targetsOf(current.facts), post, report, await ownersOfRun(current.facts));
    }
    return finish(runId, report, failures);
  }

  async function runStarted(detail: RunStartedDetail): Promise<NotifyReport> {
    const { facts } = await updateFacts(deps.state, {
      runId: detail.runId,
      setId: detail.setId,
      createdAt: detail.createdAt,
      creator: detail.creator,
      ...(detail.setName ? { setName: detail.setName } : {}),
      ...(detail.setTags ? { tags: detail.setTags } : {}),
      ...(detail.origin ? { origin: detail.origin } : {}),
    });
    // The origin channel's message is the command worker's announcement: never a second one there.
    const targets = (await subscribedTargets(deps.state, facts, deps.defaultChannel, await tagged(facts))).filter((t) => t.channelId !== facts.origin?.channelId);
    const report = emptyReport();
    return finish(detail.runId, report, await syncTargets(sync, facts, targets, true, report));
  }

  async function runFinished(detail: RunFinishedDetail): Promise<NotifyReport> {
    const loaded = detail.summary ?? (await loadSummary(detail));
    const summary = loaded && summaryForMessages(loaded);
    const { etag } = await updateFacts(deps.state, {
      runId: detail.runId,
      setId: detail.setId,
      verdict: detail.verdict,
      ...(detail.setName ? { setName: detail.setName } : {}),
      ...(summary ? { summary } : {}),
    });
    return converge(detail.runId, etag, true, async (facts) => finishTargets(deps.state, facts, deps.defaultChannel, await tagged(facts)));
  }

  async function runArchived(detail: RunArchivedDetail): Promise<NotifyReport> {
    const { runId, setId, ...archive } = runArchivedDetailOf(detail);
    const { etag } = await updateFacts(deps.state, { runId, setId, archive });
    // Only messages that exist are edited: an archive alone never starts a message.
    return converge(runId, etag, false, (facts) => postedTargets(deps.state, facts));
  }

  async function loadSummary(detail: RunFinishedDetail): Promise<RunSummary | undefined> {
    if (!detail.summaryRef) return undefined;
    if (detail.summaryRef !== stateKeys.runSummary(detail.runId)) {
      log.warn("notify.summary_ref.refused", { runId: detail.runId });
      return undefined;
    }
    return (await deps.state.get<RunSummary>(detail.summaryRef))?.value;
  }

  const handlers = {
    runStarted: (detail: RunStartedDetail) => perRun(detail.runId, () => runStarted(detail)),
    runFinished: (detail: RunFinishedDetail) => perRun(detail.runId, () => runFinished(detail)),
    runArchived: (detail: RunArchivedDetail) => perRun(detail.runId, () => runArchived(detail)),
  };
  return {
    ...handlers,
    /** Dispatches any bus event; events the notifier does not consume are ignored. */
    async handle(event: SimwatchEvent): Promise<NotifyReport | undefined> {
      switch (event.detailType) {
        case "Run Started":
          return handlers.runStarted(event.detail);
        case "Run Finished":
          return handlers.runFinished(event.detail);
        case "Run Archived":
          return handlers.runArchived(event.detail);
        default:
          return undefined;
      }
    },
  };
}

export type Notifier = ReturnType<typeof createNotifier>;
