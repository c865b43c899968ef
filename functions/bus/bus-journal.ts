/**
 * What makes the in-process bus durable: each delivery to a durable subscriber is written to
 * state (`_simwatch/bus/<subscriber>/<id>.json`) before publish returns, and removed once the
 * subscriber has handled it. A delivery left behind by a process that died (its owner is
 * gone, or it is older than the grace period) or one that failed every quick retry is
 * replayed by the next process that starts or polls, a few rounds spaced further apart each
 * time, then kept as dead (logged, never replayed) so one poisonous event cannot loop forever.
 * Locally this gives the in-process bus what EventBridge gives Lambda: an accepted event is
 * delivered even if the process that published it is killed.
 */
import type { SimwatchEvent } from "../core/events.js";
import type { Logger } from "../core/log.js";
import type { ClaimOwner, Clock, StateStore } from "../core/ports.js";
import { mapConcurrent, STATE_CONCURRENCY } from "../core/util/concurrency.js";
import { STATE_ROOT } from "../core/idempotency/state-keys.js";

export interface JournalEntry {
  subscriber: string;
  event: SimwatchEvent;
  owner: string;
  at: string;
  /** Rounds of delivery that failed every attempt so far. */
  failedRounds: number;
  failedAt?: string;
  error?: string;
  dead?: boolean;
}

export interface BusJournalOptions {
  state: StateStore;
  clock: Clock;
  owner: ClaimOwner;
  log: Logger;
  /** How long a delivery may wait for its own process before another takes it over (default 60 s). */
  graceMs?: number;
  /** Failed rounds before a delivery is kept as dead (default 8: about 4 hours of retries). */
  maxFailedRounds?: number;
}

const JOURNAL_ROOT = `${STATE_ROOT}bus/`;
const SUBSCRIBER_NAME = /^[a-z][a-z0-9-]{0,62}$/;

export function isJournalName(name: string): boolean {
  return SUBSCRIBER_NAME.test(name);
}

let sequence = 0;

export class BusJournal {
  private readonly graceMs: number;
  private readonly maxFailedRounds: number;

  constructor(private readonly options: BusJournalOptions) {
    this.graceMs = options.graceMs ?? 60_000;
    this.maxFailedRounds = options.maxFailedRounds ?? 8;
  }

  /** Writes one delivery; returns its key. */
  async add(subscriber: string, event: SimwatchEvent): Promise<string> {
    sequence += 1;
    const id = `${this.options.clock.now().getTime().toString(36)}-${sequence.toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    const key = `${JOURNAL_ROOT}${subscriber}/${id}.json`;
    const entry: JournalEntry = { subscriber, event, owner: this.options.owner.id, at: this.options.clock.now().toISOString(), failedRounds: 0 };
    if (!(await this.options.state.create(key, entry))) throw new Error(`bus journal key ${key} already exists`);
    return key;
  }

  async done(key: string): Promise<void> {
    await this.options.state.delete(key);
  }

  /** The delivery failed every quick retry: keep it, to be replayed later (or kept as dead). */
  async failed(key: string, error: string): Promise<void> {
    const stored = await this.options.state.get<JournalEntry>(key);
    if (!stored) return;
    const failedRounds = stored.value.failedRounds + 1;
    const dead = failedRounds >= this.maxFailedRounds;
    const entry: JournalEntry = { ...stored.value, failedRounds, failedAt: this.options.clock.now().toISOString(), error, ...(dead ? { dead } : {}) };
    await this.options.state.replace(key, entry, stored.etag);
    if (dead) this.options.log.error("bus.delivery_dead", { subscriber: entry.subscriber, detailType: entry.event.detailType, failedRounds, key });
  }

  /**
   * Deliveries this process should do now (taken over from their previous owner), except
   * those in `inFlight` here.
   */
  async takeReplayable(inFlight: ReadonlySet<string>): Promise<{ key: string; entry: JournalEntry }[]> {
    const { state, owner } = this.options;
    const keys = (await state.list(JOURNAL_ROOT)).filter((key) => !inFlight.has(key) && key.endsWith(".json"));
    const taken = await mapConcurrent(keys, STATE_CONCURRENCY, async (key) => {
      const stored = await state.get<JournalEntry>(key);
      if (!stored || !this.replayable(stored.value)) return undefined;
      const entry: JournalEntry = { ...stored.value, owner: owner.id, at: this.options.clock.now().toISOString() };
      return (await state.replace(key, entry, stored.etag)) ? { key, entry } : undefined;
    });
    // Oldest first (keys start with the time they were written), as they were published.
    return taken.filter((found): found is { key: string; entry: JournalEntry } => found !== undefined);
  }

  private replayable(entry: JournalEntry): boolean {
    if (entry.dead) return false;
    const now = this.options.clock.now().getTime();
    if (entry.failedAt !== undefined) {
      // Rounds spaced 1, 2, 4 ... minutes apart.
      return now - Date.parse(entry.failedAt) >= 60_000 * 2 ** Math.max(0, entry.failedRounds - 1);
    }
    if (entry.owner === this.options.owner.id) return false;
    return this.options.owner.isGone(entry.owner) || now - Date.parse(entry.at) >= this.graceMs;
  }
}
