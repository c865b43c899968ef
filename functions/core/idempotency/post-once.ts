/**
 * Posting a message at most once: a run's message in a channel, or one thread reply under it.
 *
 * Each post is a claim (claims.ts) whose progress records the posted message's ts. The
 * claimant posts with a tag (the run and the purpose) and completes the claim with the ts. If
 * the post failed for certain (Slack refused it) the claim is released and a retry posts. If
 * the outcome is unknown (a timeout, a dropped connection, a 5xx) or the claimant died, the
 * next attempt takes the claim over and first asks Slack whether the tagged message exists;
 * only if it does not is the message posted. If nobody can tell (Slack refuses the look-up),
 * the message is given up in that channel rather than risk posting it twice.
 */
import { ChatError, type ChatMessage, type ChatPort, type MessageRef, type PostTag } from "../chat.js";
import { type Claim, ClaimLost, type ClaimRecord, type Claims } from "./claims.js";
import { sleep } from "../util/backoff.js";
import { errorFields, type Logger } from "../log.js";
import type { Clock } from "../ports.js";

export interface PostProgress {
  channelId: string;
  ts?: string;
  /** Set when a post's outcome was unknown or nobody could tell: never post again blindly. */
  uncertain?: boolean;
  /** Nobody can tell whether the message exists (the look-up was refused): it is given up. */
  givenUp?: boolean;
}

export interface PostOnceDeps {
  chat: ChatPort;
  claims: Claims;
  clock: Clock;
  log: Logger;
  /** How long a post's claim is honoured before it is taken over (default 60 s). */
  postClaimTtlMs?: number;
  /** How long to wait for another delivery's post to be recorded (default 5 s). */
  waitForPostMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface PostTarget {
  /** The claim's state key. */
  key: string;
  channelId: string;
  tag: PostTag;
  threadTs?: string;
}

export type PostOutcome =
  /** `posted`: this call put the message there (with the content given now). */
  | { status: "posted"; ref: MessageRef }
  /** The message was already there (posted earlier, perhaps with older content). */
  | { status: "exists"; ref: MessageRef }
  /** It may exist, but nobody can tell: nothing was posted, nothing will be. */
  | { status: "given_up" };

/** Another delivery is posting this message right now; retry the event later. */
export class MessageBusy extends ChatError {
  constructor(target: PostTarget) {
    super("message_busy", `Run ${target.tag.runId}'s ${target.tag.what} in ${target.channelId} is being posted by another delivery`, true);
  }
}

/** Slack and our clock may disagree a little: look back this much further. */
const LOOK_BACK_MS = 60_000;

function existing(record: ClaimRecord<PostProgress>): PostOutcome {
  const { ts, channelId } = record.progress;
  return ts ? { status: "exists", ref: { channelId, ts } } : { status: "given_up" };
}

export async function postOnce(deps: PostOnceDeps, target: PostTarget, message: () => ChatMessage): Promise<PostOutcome> {
  const ttlMs = deps.postClaimTtlMs ?? 60_000;
  // Real time, not the clock port: this is how long this call waits, whatever time it is in state.
  const deadline = Date.now() + (deps.waitForPostMs ?? 5_000);
  for (;;) {
    const attempt = await deps.claims.acquire<PostProgress>(target.key, { ttlMs, progress: { channelId: target.channelId } });
    if (attempt.status === "completed") return existing(attempt.record);
    if (attempt.status === "acquired") {
      const { claim, previous } = attempt;
      // A holder that died, or a post whose answer never came, may have reached Slack: look first.
      if (previous && (previous.status === "in_progress" || previous.progress.uncertain)) {
        let found: MessageRef | undefined;
        try {
          const since = new Date(Date.parse(previous.claimedAt) - LOOK_BACK_MS);
          found = await deps.chat.findPosted(target.channelId, target.tag, { since, ...(target.threadTs ? { threadTs: target.threadTs } : {}) });
        } catch (error) {
          if (error instanceof ChatError && error.retryable) {
            await deps.claims.expireNow(claim, { uncertain: true });
            throw error;
          }
          deps.log.warn("post.given_up", { runId: target.tag.runId, what: target.tag.what, channelId: target.channelId, ...errorFields(error) });
          await deps.claims.complete(claim, { givenUp: true, uncertain: true });
          return { status: "given_up" };
        }
        if (found) {
          await deps.claims.complete(claim, { ts: found.ts, channelId: found.channelId });
          return { status: "exists", ref: found };
        }
      }
      return postUnderClaim(deps, target, claim, message);
    }
    if (Date.now() >= deadline) throw new MessageBusy(target);
    await (deps.sleep ?? sleep)(200);
  }
}

async function postUnderClaim(
  deps: PostOnceDeps,
  target: PostTarget,
  claim: Claim<PostProgress>,
  message: () => ChatMessage,
): Promise<PostOutcome> {
  let ref: MessageRef;
  try {
    ref = await deps.chat.post(target.channelId, message(), { tag: target.tag, ...(target.threadTs ? { threadTs: target.threadTs } : {}) });
  } catch (error) {
    if (error instanceof ChatError && error.mayHavePosted) await deps.claims.expireNow(claim, { uncertain: true });
    else await deps.claims.release(claim);
    throw error;
  }
  // The chat service's id for the channel (a configured "#name" comes back as its id; edits need the id).
  await deps.claims.complete(claim, { ts: ref.ts, channelId: ref.channelId }).catch((error: unknown) => {
    // Slower than the claim's lifetime: whoever took it over looks for this post and finds it.
    if (!(error instanceof ClaimLost)) throw error;
  });
  return { status: "posted", ref };
}
