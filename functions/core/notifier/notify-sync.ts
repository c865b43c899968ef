/**
 * Bringing a run's message in each target channel up to date with its facts: post it where it
 * may be posted and is not yet, edit it where it is, then the finished run's once-only thread
 * replies ("Why it failed", the subscription's mention, the starter's ping). A channel
 * simwatch cannot post in is skipped; failures a retry could fix are gathered, not thrown, so
 * one channel's trouble never keeps the others from being served.
 */
import { cannotPostIn, ChatError, type ChatMessage, type MessageRef, say } from "../chat.js";
import { errorFields, type Logger } from "../log.js";
import type { StateStore } from "../ports.js";
import type { PostOnceDeps } from "../idempotency/post-once.js";
import { buildRunCard, isFailure, type RunFacts, whyItFailed } from "./run-card.js";
import { ensureRunMessage, replyOnce, runMessageRef } from "./run-messages.js";
import type { Target } from "./notify-targets.js";

export interface NotifyReport {
  posted: string[];
  updated: string[];
  skipped: string[];
}

export interface SyncFailure {
  channelId: string;
  code: string;
}

export interface SyncDeps {
  posting: PostOnceDeps;
  state: StateStore;
  log: Logger;
}

export const emptyReport = (): NotifyReport => ({ posted: [], updated: [], skipped: [] });

/** Where the card is in the channel (posting it when `post`), and whether this call posted it. */
async function place(deps: SyncDeps, facts: RunFacts, target: Target, post: boolean, card: () => ChatMessage) {
  if (!post) {
    const ref = await runMessageRef(deps.state, facts.runId, target.channelId);
    return ref ? { ref, fresh: false } : undefined;
  }
  const outcome = await ensureRunMessage(deps.posting, facts.runId, target.channelId, card);
  return outcome.status === "given_up" ? undefined : { ref: outcome.ref, fresh: outcome.status === "posted" };
}

/** Brings every target up to date; `post` says whether a channel without the message gets one. */
export async function syncTargets(deps: SyncDeps, facts: RunFacts, targets: readonly Target[], post: boolean, report: NotifyReport): Promise<SyncFailure[]> {
  const failures: SyncFailure[] = [];
  for (const target of targets) {
    const card = (): ChatMessage => ({ kind: "run", card: buildRunCard(facts, target.mention ? { mention: target.mention } : {}) });
    try {
      const placed = await place(deps, facts, target, post, card);
      if (!placed) {
        report.skipped.push(target.channelId);
        continue;
      }
      if (placed.fresh) report.posted.push(target.channelId);
      else {
        await deps.posting.chat.update(placed.ref, card());
        report.updated.push(target.channelId);
      }
      if (facts.verdict !== "running") await finishExtras(deps.posting, facts, target, placed.ref, placed.fresh);
    } catch (error) {
      if (cannotPostIn(error)) {
        deps.log.warn("notify.channel.unreachable", { runId: facts.runId, channelId: target.channelId, ...errorFields(error) });
        report.skipped.push(target.channelId);
      } else if (error instanceof ChatError && error.retryable) {
        failures.push({ channelId: target.channelId, code: error.code });
      } else {
        deps.log.error("notify.channel.failed", { runId: facts.runId, channelId: target.channelId, ...errorFields(error) });
        if (!(error instanceof ChatError)) throw error;
        report.skipped.push(target.channelId);
      }
    }
  }
  return failures;
}

/** Once-only thread replies of a finished run. Slack notifies nobody of an edit, so pings are replies. */
async function finishExtras(posting: PostOnceDeps, facts: RunFacts, target: Target, ref: MessageRef, fresh: boolean) {
  // The judge's reasons come in a later Run Finished when the poller could not read them in time.
  const why = facts.summary?.awaiting?.includes("reasons") ? undefined : whyItFailed(facts);
  if (why) await replyOnce(posting, facts.runId, ref, "why", { kind: "why", why });
  const setName = buildRunCard(facts).setName;
  if (target.mention && isFailure(facts.verdict) && !fresh) {
    await replyOnce(posting, facts.runId, ref, "mention", say("error", [{ mention: target.mention }, " the run of ", { bold: setName }, ` ${facts.verdict}.`]));
  }
  if (facts.origin && facts.origin.channelId === target.channelId && !fresh) {
    const tone = isFailure(facts.verdict) ? "error" : "info";
    await replyOnce(posting, facts.runId, ref, "starter", say(tone, [{ user: facts.origin.userId }, " your run of ", { bold: setName }, ` ${facts.verdict}.`]));
  }
}
