/**
 * A run's message in each channel, posted at most once and then edited in place.
 *
 * Posting is claimed first: `create(runMessage(runId, channel), {status: "posting"})` under
 * IfNoneMatch, so of two deliveries (or the command worker and the notifier) only the one that
 * wins the claim posts; the other waits briefly for the ts, or asks to be retried. A failed
 * post releases the claim. A claim older than `claimTtlMs` (its holder crashed between posting
 * and recording the ts) may be taken over conditionally; that is the one case where a message
 * could appear twice, and it needs a crash at exactly that moment.
 *
 * The run's facts (stateKeys.runCard) are merged under IfMatch, so events arriving in any
 * order converge on the same card.
 */
import { ChatError, type ChatMessage, type ChatPort, type MessageRef } from "./chat.js";
import type { Clock, StateStore } from "./ports.js";
import { mergeFacts, type RunFacts } from "./run-card.js";
import { stateKeys } from "./state-keys.js";

export interface RunMessageRecord {
  channelId: string;
  status: "posting" | "posted";
  ts?: string;
  /** ISO time of the claim (for taking over a crashed holder's claim). */
  claimedAt: string;
}

export interface MessageDeps {
  chat: ChatPort;
  state: StateStore;
  clock: Clock;
  /** How long a "posting" claim is honoured (default 2 minutes). */
  claimTtlMs?: number;
  /** How long to wait for another delivery's post to be recorded (default 5 s). */
  waitForPostMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Another delivery is posting this run's message right now; retry the event later. */
export class MessageBusy extends ChatError {
  constructor(runId: string, channelId: string) {
    super("message_busy", `Run ${runId}'s message in ${channelId} is being posted by another delivery`, true);
  }
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
  const key = stateKeys.runCard(update.runId);
  for (let attempt = 0; attempt < 8; attempt++) {
    const existing = await state.get<RunFacts>(key);
    const merged = mergeFacts(existing?.value, update);
    const written = existing ? await state.replace(key, merged, existing.etag) : await state.create(key, merged);
    if (written) return { facts: merged, etag: (await state.get<RunFacts>(key))?.etag };
  }
  throw new Error(`Could not update run ${update.runId}'s facts: they kept changing`);
}

export type Placement = { ref: MessageRef; posted: boolean };

/**
 * The run's message in `channelId`: posts `message` when there is none yet (returns
 * posted: true), else returns the existing message's ref (posted: false) untouched.
 */
export async function ensureRunMessage(
  deps: MessageDeps,
  runId: string,
  channelId: string,
  message: () => ChatMessage,
): Promise<Placement> {
  const key = stateKeys.runMessage(runId, channelId);
  const claimTtlMs = deps.claimTtlMs ?? 120_000;
  const sleep = deps.sleep ?? defaultSleep;
  const claim = (): RunMessageRecord => ({ channelId, status: "posting", claimedAt: deps.clock.now().toISOString() });

  const postUnderClaim = async (): Promise<Placement> => {
    let ref: MessageRef;
    try {
      ref = await deps.chat.post(channelId, message());
    } catch (error) {
      await deps.state.delete(key).catch(() => undefined);
      throw error;
    }
    // The chat service's id for the channel (a configured "#name" comes back as its id; edits need the id).
    const record: RunMessageRecord = { channelId: ref.channelId, status: "posted", ts: ref.ts, claimedAt: deps.clock.now().toISOString() };
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await deps.state.get<RunMessageRecord>(key);
      if (current === undefined ? await deps.state.create(key, record) : await deps.state.replace(key, record, current.etag)) break;
    }
    return { ref, posted: true };
  };

  if (await deps.state.create(key, claim())) return postUnderClaim();
  const deadline = Date.now() + (deps.waitForPostMs ?? 5000);
  for (;;) {
    const existing = await deps.state.get<RunMessageRecord>(key);
    if (existing === undefined) {
      if (await deps.state.create(key, claim())) return postUnderClaim();
      continue;
    }
    const record = existing.value;
    if (record.status === "posted" && record.ts) return { ref: { channelId: record.channelId || channelId, ts: record.ts }, posted: false };
    const age = deps.clock.now().getTime() - Date.parse(record.claimedAt);
    if (!(age < claimTtlMs)) {
      if (await deps.state.replace(key, claim(), existing.etag)) return postUnderClaim();
      continue;
    }
    if (Date.now() >= deadline) throw new MessageBusy(runId, channelId);
    await sleep(200);
  }
}

/** The run's message in a channel, if one was posted. */
export async function runMessageRef(state: StateStore, runId: string, channelId: string): Promise<MessageRef | undefined> {
  const record = (await state.get<RunMessageRecord>(stateKeys.runMessage(runId, channelId)))?.value;
  return record?.status === "posted" && record.ts ? { channelId: record.channelId || channelId, ts: record.ts } : undefined;
}

/** Channels where the run has a message (posted or being posted). */
export async function runMessageChannels(state: StateStore, runId: string): Promise<string[]> {
  const prefix = stateKeys.runMessagesPrefix(runId);
  const keys = await state.list(prefix);
  return keys.map((key) => key.slice(prefix.length).replace(/\.json$/, "")).filter((id) => id !== "" && !id.includes("/"));
}

/**
 * Posts a thread reply under the run's message at most once per `what` (claimed with create
 * first; a failed post releases the claim so a retry can post it).
 */
export async function replyOnce(
  deps: Pick<MessageDeps, "chat" | "state" | "clock">,
  runId: string,
  parent: MessageRef,
  what: string,
  message: ChatMessage,
): Promise<boolean> {
  const key = stateKeys.runThreadReply(runId, parent.channelId, what);
  if (!(await deps.state.create(key, { at: deps.clock.now().toISOString(), parentTs: parent.ts }))) return false;
  try {
    await deps.chat.post(parent.channelId, message, { threadTs: parent.ts });
    return true;
  } catch (error) {
    await deps.state.delete(key).catch(() => undefined);
    throw error;
  }
}
