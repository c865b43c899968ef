/**
 * Bringing a run's message in each target channel up to date with its facts: post it where it
 * may be posted and is not yet, edit it where it is, then the finished run's once-only thread
 * replies (the subscription's mention, the set owners' ping, the starter's ping, "Why it failed"
 * with the unit tests' owners). A channel
 * simwatch cannot post in is skipped; failures a retry could fix are gathered, not thrown, so
 * one channel's trouble never keeps the others from being served.
 */
import { cannotPostIn, ChatError, type ChatMessage, type MessageRef, type Owner, type RunCard, say, type Span } from "../chat.js";
import { errorFields, type Logger } from "../log.js";
import type { StateStore } from "../ports.js";
import type { PostOnceDeps } from "../idempotency/post-once.js";
import { buildRunCard, isFailure, type RunFacts, whyItFailed } from "./run-card.js";
import { ensureRunMessage, pingOnce, recordReply, replyOnce, runMessageRef } from "./run-messages.js";
import type { Target } from "./notify-targets.js";
import { ownersForChannel, type RunOwners } from "./owners.js";

const NO_OWNERS: RunOwners = { set: [], unitTests: {} };

/** Owners as spans of a line: mentions, and text for what is not one; space-separated. */
function ownerSpans(owners: readonly Owner[]): Span[] {
  return owners.flatMap((owner, index): Span[] => [...(index > 0 ? [" "] : []), "mention" in owner ? { mention: owner.mention } : owner.text]);
}

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
  /** ARCHIVE_WEB_URL: the card's Open report and the Why it failed reply link into it. */
  archiveWebUrl?: string;
}

export const emptyReport = (): NotifyReport => ({ posted: [], updated: [], skipped: [] });

/** The pings a card stands for when it is first posted now: Slack notifies on a post, never on an edit. */
function pingsOnCard(facts: RunFacts, target: Target, card: RunCard): string[] {
  if (card.verdict === "running") return [];
  const ownersPinged = card.owners?.some((owner) => "mention" in owner) ?? false;
  return [...(card.mention ? ["mention"] : []), ...(ownersPinged ? ["owners"] : []), ...(facts.origin?.channelId === target.channelId ? ["starter"] : [])];
}

/** Where the card is in the channel (posting it when `post`), and whether this call posted it. */
async function place(deps: SyncDeps, facts: RunFacts, target: Target, post: boolean, card: () => ChatMessage, pings: string[]) {
  if (!post) {
    const ref = await runMessageRef(deps.state, facts.runId, target.channelId);
    return ref ? { ref, fresh: false } : undefined;
  }
  const outcome = await ensureRunMessage(deps.posting, facts.runId, target.channelId, card, pings);
  return outcome.status === "given_up" ? undefined : { ref: outcome.ref, fresh: outcome.status === "posted" };
}

/** Brings every target up to date; `post` says whether a channel without the message gets one. */
export async function syncTargets(
  deps: SyncDeps,
  facts: RunFacts,
  targets: readonly Target[],
  post: boolean,
  report: NotifyReport,
  owners: RunOwners = NO_OWNERS,
): Promise<SyncFailure[]> {
  const failures: SyncFailure[] = [];
  for (const target of targets) {
    const shown = ownersForChannel(owners, target.mention);
    const built = buildRunCard(facts, { owners: shown, ...(target.mention ? { mention: target.mention } : {}), ...(deps.archiveWebUrl ? { archiveWebUrl: deps.archiveWebUrl } : {}) });
    const card = (): ChatMessage => ({ kind: "run", card: built });
    const pings = pingsOnCard(facts, target, built);
    try {
      const placed = await place(deps, facts, target, post, card, pings);
      if (!placed) {
        report.skipped.push(target.channelId);
        continue;
      }
      if (placed.fresh) {
        report.posted.push(target.channelId);
        for (const what of pings) await recordReply(deps.posting, facts.runId, placed.ref, what);
      } else {
        await deps.posting.chat.update(placed.ref, card());
        report.updated.push(target.channelId);
      }
      if (facts.verdict !== "running") await finishExtras(deps, facts, target, placed.ref, shown);
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

/**
 * Once-only thread replies of a finished run: the pings first (Slack notifies nobody of an
 * edit, so pings are replies, unless the card carried them when first posted), then "Why it
 * failed". Each is tried whatever became of the others; the worst failure is thrown after.
 */
async function finishExtras(deps: SyncDeps, facts: RunFacts, target: Target, ref: MessageRef, owners: RunOwners) {
  const { posting, state } = deps;
  const setName = buildRunCard(facts).setName;
  const replies: (() => Promise<unknown>)[] = [];
  if (target.mention && isFailure(facts.verdict)) {
    const mention = target.mention;
    replies.push(() => pingOnce(posting, state, facts.runId, ref, "mention", say("error", [{ mention }, " the run of ", { bold: setName }, ` ${facts.verdict}.`])));
  }
  if (owners.set.some((owner) => "mention" in owner) && isFailure(facts.verdict)) {
    const line = [...ownerSpans(owners.set), " the run of ", { bold: setName }, ` ${facts.verdict}.`];
    replies.push(() => pingOnce(posting, state, facts.runId, ref, "owners", say("error", line)));
  }
  const origin = facts.origin;
  if (origin && origin.channelId === target.channelId) {
    const tone = isFailure(facts.verdict) ? "error" : "info";
    replies.push(() => pingOnce(posting, state, facts.runId, ref, "starter", say(tone, [{ user: origin.userId }, " your run of ", { bold: setName }, ` ${facts.verdict}.`])));
  }
  const why = whyItFailed(facts, { owners, ...(deps.archiveWebUrl ? { archiveWebUrl: deps.archiveWebUrl } : {}) });
  if (why) replies.push(() => replyOnce(posting, facts.runId, ref, "why", { kind: "why", why }));
  const errors: unknown[] = [];
  for (const reply of replies) await reply().catch((error: unknown) => void errors.push(error));
  const worst = errors.find((error) => error instanceof ChatError && error.retryable) ?? errors[0];
  if (worst !== undefined) throw worst;
}
