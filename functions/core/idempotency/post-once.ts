/**
 * Posting a message at most once: a run's message in a channel, or one thread reply under it.
 *
 * Each post is a claim (claims.ts) whose progress records the posted message's ts. The
 * claimant posts with a tag (the run and the purpose) and completes the claim with the ts. If
 * the post failed for certain (Slack refused it) the claim is released and a retry posts. If
 * the outcome is unknown (a timeout, a dropped connection, a 5xx) or the claimant died, the
 * next attempt takes the claim over and first asks Slack whether the tagged message exists;
 * only if it does not is the message posted. The look-back reaches the earliest attempt that may
 * have posted (kept in the claim's progress across takeovers), not only the latest holder's. If
 * nobody can tell (Slack refuses the look-up), the message is given up in that channel rather
 * than risk posting it twice.
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
  /** When the earliest attempt that may have posted began (ISO): every look-up reaches back to it. */
  mayHavePostedSince?: string;
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
      const looked = await lookFirst(deps, target, attempt.claim, attempt.previous);
      return "status" in looked ? looked : postUnderClaim(deps, target, looked, message);
    }
    if (Date.now() >= deadline) throw new MessageBusy(target);
    await (deps.sleep ?? sleep)(200);
  }
}

/** The earliest start of an attempt that may have posted: the first uncertain one's, carried from holder to holder. */
function earliestAttempt(previous: ClaimRecord<PostProgress>): string {
  const since = previous.progress.mayHavePostedSince;
  return since !== undefined && Date.parse(since) < Date.parse(previous.claimedAt) ? since : previous.claimedAt;
}

/**
 * A holder that died, or a post whose answer never came, may have reached Slack: look for it
 * (back to the earliest such attempt) before posting. Answers the outcome when it is settled,
 * else the claim to post under.
 */
async function lookFirst(deps: PostOnceDeps, target: PostTarget, claim: Claim<PostProgress>, previous: ClaimRecord<PostProgress> | undefined): Promise<PostOutcome | Claim<PostProgress>> {
  if (!previous || !(previous.status === "in_progress" || previous.progress.uncertain)) return claim;
  // Recorded before looking, so an attempt after this one still reaches back to the first post.
  const earliest = earliestAttempt(previous);
  const held = earliest === claim.record.progress.mayHavePostedSince ? claim : await deps.claims.checkpoint(claim, { mayHavePostedSince: earliest });
  let found: MessageRef | undefined;
  try {
    const since = new Date(Date.parse(earliest) - LOOK_BACK_MS);
    found = await deps.chat.findPosted(target.channelId, target.tag, { since, ...(target.threadTs ? { threadTs: target.threadTs } : {}) });
  } catch (error) {
    if (error instanceof ChatError && error.retryable) {
      await deps.claims.expireNow(held, { uncertain: true });
      throw error;
    }
    deps.log.error("post.given_up", { runId: target.tag.runId, what: target.tag.what, channelId: target.channelId, ...errorFields(error) });
    await deps.claims.complete(held, { givenUp: true, uncertain: true });
    return { status: "given_up" };
  }
  if (!found) return held;
  await deps.claims.complete(held, { ts: found.ts, channelId: found.channelId });
  return { status: "exists", ref: found };
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
