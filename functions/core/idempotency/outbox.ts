/**
 * The outbox: every event a run can cause is recorded in state before it is sent, and counts
 * as done only once the bus has it (EventBridge accepted it; the local bus journaled it).
 *
 * An event has a stable id (`<runId>/<what>`). Recording creates `outbox/<id>` with
 * IfNoneMatch, then checks the done-marker `done/<id>`: of two ticks proposing the same event
 * exactly one records it, and an event delivered before is never recorded again. After the
 * bus accepts it, the done-marker is created and the outbox entry deleted. A process killed
 * anywhere in between leaves an outbox entry, which the next tick's `resendPending` sends
 * again once its owner is known to be gone or the grace period has passed; consumers are
 * idempotent, so an event sent twice does nothing twice.
 */
import type { SimwatchEvent } from "../events.js";
import { errorFields, type Logger } from "../log.js";
import { mapConcurrent, STATE_CONCURRENCY } from "../util/concurrency.js";
import type { ClaimOwner, Clock, EventBus, StateStore } from "../ports.js";
import { stateKeys } from "./state-keys.js";

export interface OutboxEvent {
  /** `<runId>/<what>`: one event of its kind per run (a repeated kind numbers itself). */
  id: string;
  event: SimwatchEvent;
}

export interface OutboxEntry extends OutboxEvent {
  recordedAt: string;
  owner: string;
}

export interface OutboxDeps {
  state: StateStore;
  bus: EventBus;
  clock: Clock;
  owner: ClaimOwner;
  logger: Logger;
  /** How long an entry may wait for its own process to send it before anyone re-sends it (default 60 s). */
  graceMs?: number;
}

/** What the bus did not take: `undelivered` lists the indexes of the refused events, when it knows. */
function undeliveredIndexes(error: unknown, count: number): Set<number> {
  const listed = (error as { undelivered?: unknown })?.undelivered;
  if (Array.isArray(listed) && listed.every((index) => Number.isInteger(index))) return new Set(listed as number[]);
  return new Set(Array.from({ length: count }, (_, index) => index));
}

export function createOutbox(deps: OutboxDeps) {
  const { state, bus, clock, owner, logger } = deps;
  const graceMs = deps.graceMs ?? 60_000;

  async function recordOne(candidate: OutboxEvent, recordedAt: string): Promise<OutboxEntry | undefined> {
    const entry: OutboxEntry = { ...candidate, recordedAt, owner: owner.id };
    const key = stateKeys.outboxEntry(candidate.id);
    if (!(await state.create(key, entry))) return undefined;
    // Checked after creating, so a concurrent sender that already finished is always seen.
    if ((await state.get(stateKeys.deliveredMarker(candidate.id))) !== undefined) {
      await state.delete(key);
      return undefined;
    }
    return entry;
  }

  async function markDelivered(entries: readonly OutboxEntry[]): Promise<void> {
    const at = clock.now().toISOString();
    await mapConcurrent(entries, STATE_CONCURRENCY, async (entry) => {
      await state.create(stateKeys.deliveredMarker(entry.id), { at, detailType: entry.event.detailType });
      await state.delete(stateKeys.outboxEntry(entry.id));
    });
  }

  /** Publishes the entries; marks the ones the bus took. Throws when any was refused (they stay pending). */
  async function deliver(entries: readonly OutboxEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    try {
      await bus.publish(entries.map((entry) => entry.event));
    } catch (error) {
      const refused = undeliveredIndexes(error, entries.length);
      await markDelivered(entries.filter((_, index) => !refused.has(index)));
      logger.error("outbox.publish_failed", { pending: refused.size, ...errorFields(error) });
      throw error;
    }
    await markDelivered(entries);
    return entries.length;
  }

  return {
    /** Records the candidates not recorded or delivered before; returns the ones this caller now owns. */
    async record(candidates: readonly OutboxEvent[]): Promise<OutboxEntry[]> {
      const recordedAt = clock.now().toISOString();
      const recorded = await mapConcurrent(candidates, STATE_CONCURRENCY, (candidate) => recordOne(candidate, recordedAt));
      return recorded.filter((entry): entry is OutboxEntry => entry !== undefined);
    },
    deliver,
    /** Sends entries left behind by a process that died (or is stuck) after recording them. */
    async resendPending(): Promise<number> {
      const keys = await state.list(stateKeys.outboxPrefix());
      const now = clock.now().getTime();
      const found = await mapConcurrent(keys, STATE_CONCURRENCY, async (key) => {
        const stored = await state.get<OutboxEntry>(key);
        if (!stored) return undefined;
        const entry = stored.value;
        const abandoned = entry.owner !== owner.id && owner.isGone(entry.owner);
        if (!abandoned && now - Date.parse(entry.recordedAt) < graceMs) return undefined;
        // Take the entry over, so a second sweeper leaves it to us.
        const taken: OutboxEntry = { ...entry, owner: owner.id, recordedAt: clock.now().toISOString() };
        return (await state.replace(key, taken, stored.etag)) ? taken : undefined;
      });
      const pending = found.filter((entry): entry is OutboxEntry => entry !== undefined);
      if (pending.length > 0) logger.warn("outbox.resend", { events: pending.length, ids: pending.map((entry) => entry.id).slice(0, 20) });
      return deliver(pending);
    },
  };
}

export type Outbox = ReturnType<typeof createOutbox>;
