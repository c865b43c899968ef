/**
 * A run's messages: its card in each channel (posted at most once, then edited in place),
 * the thread replies under it, and the run's facts the card is rendered from.
 *
 * Posts go through postOnce (claimed, tagged, looked for after an unknown outcome). The facts
 * (stateKeys.runCard) are merged with a conditional read-modify-write, so events arriving in
 * any order converge on the same card.
 */
import { ChatError, type ChatMessage, type ChatPort, type MessageRef } from "../chat.js";
import { anonymousOwner, type ClaimRecord, createClaims } from "../idempotency/claims.js";
import { errorFields, type Logger, silentLogger } from "../log.js";
import type { ClaimOwner, Clock, StateStore } from "../ports.js";
import { type PostOnceDeps, type PostOutcome, type PostProgress, postOnce } from "../idempotency/post-once.js";
import { mergeFacts, type RunFacts } from "./run-card.js";
import { stateKeys } from "../idempotency/state-keys.js";
import { updateState } from "../idempotency/state-update.js";

export interface MessageDeps {
  chat: ChatPort;
  state: StateStore;
  clock: Clock;
  /** Who this process is, so claims left by a dead process are taken over at once. */
  owner?: ClaimOwner;
  log?: Logger;
  /** How long a post's claim is honoured before it is taken over (default 60 s). */
  postClaimTtlMs?: number;
  /** How long to wait for another delivery's post to be recorded (default 5 s). */
  waitForPostMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** The post-once machinery for a set of message deps (one owner per deps object). */
export function postingFor(deps: MessageDeps): PostOnceDeps {
  const owner = deps.owner ?? anonymousOwner();
  return {
    chat: deps.chat,
    claims: createClaims({ state: deps.state, clock: deps.clock, owner }),
    clock: deps.clock,
    log: deps.log ?? silentLogger,
    ...(deps.postClaimTtlMs !== undefined ? { postClaimTtlMs: deps.postClaimTtlMs } : {}),
    ...(deps.waitForPostMs !== undefined ? { waitForPostMs: deps.waitForPostMs } : {}),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
  };
}

export async function loadFacts(state: StateStore, runId: string): Promise<{ facts: RunFacts; etag: string } | undefined> {
  const found = await state.get<RunFacts>(stateKeys.runCard(runId));
  return found ? { facts: found.value, etag: found.etag } : undefined;
}

/** Merges `update` into the run's facts (conditional read-modify-write) and returns the result. */
export async function updateFacts(
  state: StateStore,
  update: Partial<RunFacts> & Pick<RunFacts, "runId" | "setId">,
): Promise<{ facts: RunFacts; etag: string | undefined }> {
  const saved = await updateState<RunFacts>(state, stateKeys.runCard(update.runId), (current) => mergeFacts(current, update));
  return { facts: saved.value ?? mergeFacts(undefined, update), etag: saved.etag };
}

/**
 * The run's card in `channelId`: posted with `message` when there is none yet. `also` names the
 * thread replies the card stands for if posted now (its tag says so, for a look-up after a crash).
 */
export function ensureRunMessage(posting: PostOnceDeps, runId: string, channelId: string, message: () => ChatMessage, also: string[] = []): Promise<PostOutcome> {
  const tag = { runId, what: "card", ...(also.length > 0 ? { also } : {}) };
  return postOnce(posting, { key: stateKeys.runMessage(runId, channelId), channelId, tag }, message);
}

/** Records `what` as done by the message `ref` (the card that carried the ping), unless it is already recorded. */
export async function recordReply(posting: PostOnceDeps, runId: string, ref: MessageRef, what: string): Promise<void> {
  const key = stateKeys.runThreadReply(runId, ref.channelId, what);
  const attempt = await posting.claims.acquire<PostProgress>(key, { ttlMs: posting.postClaimTtlMs ?? 60_000, progress: { channelId: ref.channelId } });
  if (attempt.status === "acquired") await posting.claims.complete(attempt.claim, { ts: ref.ts, channelId: ref.channelId });
}

/**
 * A ping in the run's thread, at most once, and not when the card itself carried it: a card
 * posted carrying it is recorded so at once, and one whose record a crash prevented is found by
 * its tag in the thread (the card heads its own thread) before anything is posted.
 */
export async function pingOnce(posting: PostOnceDeps, state: StateStore, runId: string, card: MessageRef, what: string, message: ChatMessage): Promise<void> {
  if ((await state.get(stateKeys.runThreadReply(runId, card.channelId, what))) === undefined) {
    const carried = await pingOnCard(posting, runId, card, what);
    if (carried) return recordReply(posting, runId, carried, what);
  }
  await replyOnce(posting, runId, card, what, message);
}

/**
 * The card, if it carried the ping when posted (its tag says so). A look-up Slack refuses for
 * good (a missing scope) cannot tell: the ping is posted rather than lost. One that may work
 * later is thrown, and the event's redelivery asks again.
 */
async function pingOnCard(posting: PostOnceDeps, runId: string, card: MessageRef, what: string): Promise<MessageRef | undefined> {
  try {
    return await posting.chat.findPosted(card.channelId, { runId, what }, { since: new Date(Number(card.ts.split(".")[0]) * 1000), threadTs: card.ts });
  } catch (error) {
    if (!(error instanceof ChatError) || error.retryable) throw error;
    posting.log.warn("notify.ping.lookup_refused", { runId, what, channelId: card.channelId, ...errorFields(error) });
    return undefined;
  }
}

/** A thread reply under the run's message, at most once per `what`. */
export function replyOnce(posting: PostOnceDeps, runId: string, parent: MessageRef, what: string, message: ChatMessage): Promise<PostOutcome> {
  return postOnce(
    posting,
    { key: stateKeys.runThreadReply(runId, parent.channelId, what), channelId: parent.channelId, threadTs: parent.ts, tag: { runId, what } },
    () => message,
  );
}

/** The run's message in a channel, if one was posted. */
export async function runMessageRef(state: StateStore, runId: string, channelId: string): Promise<MessageRef | undefined> {
  const record = (await state.get<ClaimRecord<PostProgress>>(stateKeys.runMessage(runId, channelId)))?.value;
  const ts = record?.status === "completed" ? record.progress.ts : undefined;
  return ts ? { channelId: record?.progress.channelId || channelId, ts } : undefined;
}

/** Channels where the run has a message (posted or being posted). */
export async function runMessageChannels(state: StateStore, runId: string): Promise<string[]> {
  const prefix = stateKeys.runMessagesPrefix(runId);
  const keys = await state.list(prefix);
  return keys.map((key) => key.slice(prefix.length).replace(/\.json$/, "")).filter((id) => id !== "" && !id.includes("/"));
}
