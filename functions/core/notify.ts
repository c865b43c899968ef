/**
 * The notifier: one message per run per channel, posted when the run starts (or when it
 * finishes, if nobody saw it start) and edited in place as it finishes and is archived.
 *
 * Where a run is posted: every channel subscribed to its set, else SLACK_DEFAULT_CHANNEL;
 * plus the channel it was started from (whose announcement, posted by the command worker, is
 * the run's message there). A `--failures-only` subscription hears nothing while a run runs
 * and nothing about passing or cancelled runs: its message is posted when a run fails or
 * errors. A `--mention` is prepended to the message of a failed run; since Slack does not
 * notify anyone of an edit, a message that was edited (not freshly posted) also gets a short
 * thread reply carrying the mention, so the ping happens.
 *
 * Every handler is idempotent: messages are claimed before they are posted (run-messages.ts),
 * thread replies are claimed per purpose, and edits render the whole card from merged facts.
 * Retryable chat failures (rate limits, timeouts, a concurrent post) are thrown after every
 * channel has been tried, so a redelivery finishes the job without posting anything twice.
 */
import { cannotPostIn, ChatError, type ChatMessage, type MessageRef, say } from "./chat.js";
import type { Mention } from "./commands.js";
import type { RunArchivedDetail, RunFinishedDetail, RunStartedDetail, SimwatchEvent } from "./events.js";
import { errorFields, type Logger, silentLogger } from "./log.js";
import { buildRunCard, isFailure, overflowFailures, type RunFacts } from "./run-card.js";
import {
  ensureRunMessage,
  loadFacts,
  type MessageDeps,
  replyOnce,
  runMessageChannels,
  runMessageRef,
  updateFacts,
} from "./run-messages.js";
import { stateKeys } from "./state-keys.js";
import { listSubscriptions } from "./subscriptions.js";
import type { RunSummary } from "./summary-model.js";

export interface NotifierDeps extends MessageDeps {
  /** SLACK_DEFAULT_CHANNEL: where runs of sets nobody subscribed to are posted. */
  defaultChannel?: string;
  /** Looks up a set's name for Run Started (the event carries only the id); optional. */
  setName?: (setId: string) => Promise<string | undefined>;
  log?: Logger;
}

interface Target {
  channelId: string;
  mention?: Mention;
}

export interface NotifyReport {
  posted: string[];
  updated: string[];
  skipped: string[];
}

/** Chat failures that a later redelivery can fix, gathered while the other channels are served. */
export class NotifyIncomplete extends Error {
  override readonly name = "NotifyIncomplete";
  constructor(
    readonly runId: string,
    readonly failures: { channelId: string; code: string }[],
  ) {
    super(`Run ${runId}: could not finish notifying ${failures.map((f) => `${f.channelId} (${f.code})`).join(", ")}; retry the event`);
  }
}

export function createNotifier(deps: NotifierDeps) {
  const log = deps.log ?? silentLogger;
  // The deps carry every field run-messages needs, under the same names.
  const messageDeps: MessageDeps = deps;

  /** Subscribed channels (honouring failures-only for this verdict), else the default channel. */
  async function subscribedTargets(setId: string, facts: RunFacts): Promise<Target[]> {
    const subscriptions = await listSubscriptions(deps.state, setId);
    if (subscriptions.length === 0) return deps.defaultChannel ? [{ channelId: deps.defaultChannel }] : [];
    return subscriptions
      .filter((sub) => !sub.failuresOnly || isFailure(facts.verdict))
      .map((sub) => (sub.mention ? { channelId: sub.channelId, mention: sub.mention } : { channelId: sub.channelId }));
  }

  async function mentionFor(setId: string, channelId: string): Promise<Mention | undefined> {
    return (await deps.state.get<{ mention?: Mention }>(stateKeys.subscription(setId, channelId)))?.value.mention;
  }

  /**
   * Brings the run's message in each target channel up to date with `facts`. `post` says
   * whether a channel without a message gets one. Returns what happened per channel and the
   * failures a retry could fix.
   */
  async function sync(facts: RunFacts, targets: Target[], post: boolean, report: NotifyReport) {
    const failures: { channelId: string; code: string }[] = [];
    for (const target of targets) {
      const card = (): ChatMessage => ({ kind: "run", card: buildRunCard(facts, target.mention ? { mention: target.mention } : {}) });
      try {
        let ref: MessageRef | undefined;
        let fresh = false;
        if (post) {
          const placement = await ensureRunMessage(messageDeps, facts.runId, target.channelId, card);
          ref = placement.ref;
          fresh = placement.posted;
        } else {
          ref = await runMessageRef(deps.state, facts.runId, target.channelId);
        }
        if (!ref) {
          report.skipped.push(target.channelId);
          continue;
        }
        if (fresh) report.posted.push(target.channelId);
        else {
          await deps.chat.update(ref, card());
          report.updated.push(target.channelId);
        }
        if (facts.verdict !== "running") await finishExtras(facts, target, ref, fresh);
      } catch (error) {
        if (cannotPostIn(error)) {
          log.warn("notify.channel.unreachable", { runId: facts.runId, channelId: target.channelId, ...errorFields(error) });
          report.skipped.push(target.channelId);
        } else if (error instanceof ChatError && error.retryable) {
          failures.push({ channelId: target.channelId, code: error.code });
        } else {
          log.error("notify.channel.failed", { runId: facts.runId, channelId: target.channelId, ...errorFields(error) });
          if (!(error instanceof ChatError)) throw error;
          report.skipped.push(target.channelId);
        }
      }
    }
    return failures;
  }

  /** Once-only thread replies of a finished run: overflow failures, the mention ping, the starter's ping. */
  async function finishExtras(facts: RunFacts, target: Target, ref: MessageRef, fresh: boolean) {
    const overflow = overflowFailures(facts);
    if (overflow) await replyOnce(deps, facts.runId, ref, "overflow-failures", { kind: "failures", list: overflow });
    const card = buildRunCard(facts);
    if (target.mention && isFailure(facts.verdict) && !fresh) {
      await replyOnce(deps, facts.runId, ref, "mention", say("error", [{ mention: target.mention }, " the run of ", { bold: card.setName }, ` ${facts.verdict}.`]));
    }
    if (facts.origin && facts.origin.channelId === target.channelId && !fresh) {
      await replyOnce(deps, facts.runId, ref, "starter", say(isFailure(facts.verdict) ? "error" : "info", [
        { user: facts.origin.userId },
        " your run of ",
        { bold: card.setName },
        ` ${facts.verdict}.`,
      ]));
    }
  }

  async function finish(runId: string, report: NotifyReport, failures: { channelId: string; code: string }[]) {
    if (failures.length > 0) throw new NotifyIncomplete(runId, failures);
    log.info("notify.done", { runId, posted: report.posted, updated: report.updated, skipped: report.skipped });
    return report;
  }

  /** Renders until the facts stop changing under us (a concurrent event merged newer facts). */
  async function converge(runId: string, etag: string | undefined, render: (facts: RunFacts) => Promise<{ channelId: string; code: string }[]>) {
    let seen = etag;
    let failures: { channelId: string; code: string }[] = [];
    for (let round = 0; round < 3; round++) {
      const current = await loadFacts(deps.state, runId);
      if (!current) break;
      if (round > 0 && current.etag === seen) break;
      seen = current.etag;
      failures = await render(current.facts);
    }
    return failures;
  }

  async function runStarted(detail: RunStartedDetail): Promise<NotifyReport> {
    const report: NotifyReport = { posted: [], updated: [], skipped: [] };
    const known = await loadFacts(deps.state, detail.runId);
    const setName = known?.facts.setName ?? (await deps.setName?.(detail.setId).catch(() => undefined));
    const { facts } = await updateFacts(deps.state, {
      runId: detail.runId,
      setId: detail.setId,
      createdAt: detail.createdAt,
      creator: detail.creator,
      ...(setName ? { setName } : {}),
      ...(detail.origin ? { origin: detail.origin } : {}),
    });
    // The origin channel's message is the command worker's announcement: never a second one there.
    const targets = (await subscribedTargets(detail.setId, facts)).filter((t) => t.channelId !== facts.origin?.channelId);
    const failures = await sync(facts, targets, true, report);
    return finish(detail.runId, report, failures);
  }

  async function runFinished(detail: RunFinishedDetail): Promise<NotifyReport> {
    const report: NotifyReport = { posted: [], updated: [], skipped: [] };
    const summary = detail.summary ?? (await loadSummary(detail));
    const { etag } = await updateFacts(deps.state, {
      runId: detail.runId,
      setId: detail.setId,
      verdict: detail.verdict,
      ...(summary ? { summary, setName: summary.setName !== detail.setId ? summary.setName : undefined } : {}),
    });
    const failures = await converge(detail.runId, etag, async (facts) => {
      const targets = await finishTargets(facts);
      report.posted.length = report.updated.length = report.skipped.length = 0;
      return sync(facts, targets, true, report);
    });
    return finish(detail.runId, report, failures);
  }

  async function finishTargets(facts: RunFacts): Promise<Target[]> {
    const targets = new Map<string, Target>();
    for (const target of await subscribedTargets(facts.setId, facts)) targets.set(target.channelId, target);
    if (facts.origin && !targets.has(facts.origin.channelId)) targets.set(facts.origin.channelId, { channelId: facts.origin.channelId });
    for (const channelId of await runMessageChannels(deps.state, facts.runId)) {
      if (!targets.has(channelId)) {
        const mention = await mentionFor(facts.setId, channelId);
        targets.set(channelId, mention ? { channelId, mention } : { channelId });
      }
    }
    return [...targets.values()];
  }

  async function runArchived(detail: RunArchivedDetail): Promise<NotifyReport> {
    const report: NotifyReport = { posted: [], updated: [], skipped: [] };
    const { runId, setId, location, key, size, sha256, contentType } = detail;
    const { etag } = await updateFacts(deps.state, { runId, setId, archive: { location, key, size, sha256, contentType } });
    const failures = await converge(runId, etag, async (facts) => {
      const channels = await runMessageChannels(deps.state, runId);
      const targets = await Promise.all(
        channels.map(async (channelId) => {
          const mention = await mentionFor(setId, channelId);
          return mention ? { channelId, mention } : { channelId };
        }),
      );
      report.posted.length = report.updated.length = report.skipped.length = 0;
      // Only messages that exist are edited: an archive alone never starts a message.
      return sync(facts, targets, false, report);
    });
    return finish(runId, report, failures);
  }

  async function loadSummary(detail: RunFinishedDetail): Promise<RunSummary | undefined> {
    if (!detail.summaryRef) return undefined;
    if (detail.summaryRef !== stateKeys.runSummary(detail.runId)) {
      log.warn("notify.summary_ref.refused", { runId: detail.runId });
      return undefined;
    }
    return (await deps.state.get<RunSummary>(detail.summaryRef))?.value;
  }

  return {
    runStarted,
    runFinished,
    runArchived,
    /** Dispatches any bus event; events the notifier does not consume are ignored. */
    async handle(event: SimwatchEvent): Promise<NotifyReport | undefined> {
      switch (event.detailType) {
        case "Run Started":
          return runStarted(event.detail);
        case "Run Finished":
          return runFinished(event.detail);
        case "Run Archived":
          return runArchived(event.detail);
        default:
          return undefined;
      }
    },
  };
}

export type Notifier = ReturnType<typeof createNotifier>;
