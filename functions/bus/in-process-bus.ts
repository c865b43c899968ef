/**
 * EventBus inside one process (local mode, tests). Like EventBridge with one rule per
 * subscriber: each handler has its own queue and sees its events in publish order, later
 * and never inside the publisher's call stack; each gets its own JSON copy of the event,
 * exactly what it would decode from EventBridge. A failing handler is retried a few times,
 * then dead-lettered and logged; it never stops the others or crashes the process.
 * With a journal (bus-journal.ts), deliveries to durable subscribers are in state before
 * publish returns, so what a killed process accepted is replayed by the next one.
 */
import type { DetailType, EventOf, SimwatchEvent } from "../core/events.js";
import type { EventBus } from "../core/ports.js";
import { sleep } from "../core/util/backoff.js";
import { mapConcurrent, STATE_CONCURRENCY } from "../core/util/concurrency.js";
import { runIdOf } from "./entries.js";
import { BusClosedError } from "./errors.js";
import { type BusJournal, isJournalName } from "./bus-journal.js";
import { errorFields, jsonLogger, type Logger } from "../core/log.js";

export type EventHandler<K extends DetailType> = (event: EventOf<K>) => void | Promise<void>;

export interface DeadLetter {
  subscriber: string;
  event: SimwatchEvent;
  attempts: number;
  error: string;
  failedAt: string;
}

export interface InProcessBusOptions {
  /** Tries per handler per event, the first included. */
  attempts?: number;
  retryDelayMs?: number;
  log?: Logger;
  /** Makes durable subscribers' deliveries survive the process (local mode). */
  journal?: BusJournal;
}

interface Delivery {
  event: SimwatchEvent;
  /** The delivery's journal key, for a durable subscriber. */
  journalKey?: string;
}

interface Subscription {
  name: string;
  detailType: DetailType;
  handler: (event: SimwatchEvent) => void | Promise<void>;
  queue: Delivery[];
  /** Drain loops running (at most `concurrency`). */
  draining: number;
  /** Deliveries handled at once (1: in publish order, like one EventBridge target). */
  concurrency: number;
  active: boolean;
  durable: boolean;
}

export class InProcessBus implements EventBus {
  /** Deliveries that failed every attempt, oldest first. */
  readonly deadLetters: DeadLetter[] = [];
  private readonly attempts: number;
  private readonly retryDelayMs: number;
  private readonly log: Logger;
  private subscriptions: Subscription[] = [];
  /** Deliveries queued or in progress, across all subscribers. */
  private outstanding = 0;
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  private readonly journal: BusJournal | undefined;
  /** Journal keys queued or being handled in this process. */
  private readonly inFlight = new Set<string>();

  constructor(options: InProcessBusOptions = {}) {
    this.attempts = Math.max(1, options.attempts ?? 3);
    this.retryDelayMs = options.retryDelayMs ?? 20;
    this.log = options.log ?? jsonLogger();
    this.journal = options.journal;
  }

  /**
   * Adds a handler for one detail-type (several per type are fine). Returns an unsubscribe.
   * `durable` (with a journal): its deliveries are journaled; its `name` identifies it across processes.
   */
  subscribe<K extends DetailType>(
    detailType: K,
    handler: EventHandler<K>,
    options: { name?: string; durable?: boolean; concurrency?: number } = {},
  ): () => void {
    const durable = options.durable === true && this.journal !== undefined;
    if (durable && !isJournalName(options.name ?? "")) throw new Error(`a durable subscriber needs a plain name, not ${JSON.stringify(options.name)}`);
    const subscription: Subscription = {
      name: options.name ?? (handler.name || `${detailType} #${this.subscriptions.length + 1}`),
      detailType,
      // Safe: a subscription only ever receives events of its own detail-type.
      handler: handler as (event: SimwatchEvent) => void | Promise<void>,
      queue: [],
      draining: 0,
      concurrency: Math.max(1, options.concurrency ?? 1),
      active: true,
      durable,
    };
    this.subscriptions.push(subscription);
    return () => {
      subscription.active = false;
      this.subscriptions = this.subscriptions.filter((other) => other !== subscription);
    };
  }

  /**
   * Queues the events for their subscribers and returns once they are accepted (journaled,
   * for durable subscribers); delivery happens after this call.
   */
  async publish(events: readonly SimwatchEvent[]): Promise<void> {
    if (this.closed) throw new BusClosedError();
    // Serialize everything first: an event that cannot cross EventBridge is refused whole.
    const texts = events.map((event) => ({ detailType: event.detailType, text: JSON.stringify(event) }));
    const targets = texts.flatMap(({ detailType, text }) =>
      this.subscriptions.filter((subscription) => subscription.detailType === detailType).map((subscription) => ({ subscription, event: JSON.parse(text) as SimwatchEvent })),
    );
    // Journaled side by side, queued in publish order.
    const keys = await mapConcurrent(targets, STATE_CONCURRENCY, ({ subscription, event }) =>
      subscription.durable ? (this.journal?.add(subscription.name, event) ?? Promise.resolve(undefined)) : Promise.resolve(undefined),
    );
    targets.forEach(({ subscription, event }, index) => {
      const journalKey = keys[index];
      this.enqueue(subscription, { event, ...(journalKey ? { journalKey } : {}) });
    });
  }

  /**
   * Queues the journaled deliveries a dead or stuck process left behind (and failed ones
   * whose retry is due) for this process's durable subscribers. Returns how many.
   */
  async replay(): Promise<number> {
    if (!this.journal || this.closed) return 0;
    let queued = 0;
    for (const { key, entry } of await this.journal.takeReplayable(this.inFlight)) {
      const subscription = this.subscriptions.find((candidate) => candidate.durable && candidate.name === entry.subscriber && candidate.detailType === entry.event.detailType);
      if (!subscription) continue;
      this.enqueue(subscription, { event: entry.event, journalKey: key });
      queued++;
    }
    if (queued > 0) this.log.warn("bus.replayed", { deliveries: queued });
    return queued;
  }

  private enqueue(subscription: Subscription, delivery: Delivery): void {
    if (delivery.journalKey) this.inFlight.add(delivery.journalKey);
    subscription.queue.push(delivery);
    this.outstanding++;
    this.schedule(subscription);
  }

  /**
   * Resolves once every queued delivery (including those published by handlers meanwhile)
   * has finished. A handler must not await it: it would wait for itself.
   */
  idle(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Refuses further publishes and waits for what is queued to be delivered. */
  async close(): Promise<void> {
    this.refuseMore();
    await this.idle();
  }

  /** Refuses further publishes (and replays); what is queued goes on in the background. */
  refuseMore(): void {
    this.closed = true;
  }

  private schedule(subscription: Subscription): void {
    while (subscription.draining < Math.min(subscription.concurrency, subscription.queue.length)) {
      subscription.draining++;
      setImmediate(() => void this.drain(subscription));
    }
  }

  private async drain(subscription: Subscription): Promise<void> {
    try {
      for (let delivery = subscription.queue.shift(); delivery !== undefined; delivery = subscription.queue.shift()) {
        try {
          if (subscription.active) await this.deliver(subscription, delivery);
        } finally {
          if (delivery.journalKey) this.inFlight.delete(delivery.journalKey);
          this.outstanding--;
        }
      }
    } finally {
      subscription.draining--;
      if (this.outstanding === 0) this.wakeIdleWaiters();
    }
  }

  private async deliver(subscription: Subscription, delivery: Delivery): Promise<void> {
    const { event, journalKey } = delivery;
    for (let attempt = 1; ; attempt++) {
      try {
        await subscription.handler(event);
        if (journalKey) await this.journal?.done(journalKey).catch((error: unknown) => this.log.warn("bus.journal_failed", errorFields(error)));
        return;
      } catch (error) {
        if (attempt < this.attempts) {
          await sleep(this.retryDelayMs * attempt);
          continue;
        }
        this.deadLetter(subscription, event, attempt, error);
        if (journalKey) await this.journal?.failed(journalKey, error instanceof Error ? `${error.name}: ${error.message}` : String(error)).catch(() => undefined);
        return;
      }
    }
  }

  private deadLetter(subscription: Subscription, event: SimwatchEvent, attempts: number, error: unknown): void {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.deadLetters.push({ subscriber: subscription.name, event, attempts, error: message, failedAt: new Date().toISOString() });
    try {
      this.log.error("bus.handler_failed", {
        detailType: event.detailType,
        subscriber: subscription.name,
        runId: runIdOf(event),
        requestId: event.detailType === "Command Accepted" ? event.detail.requestId : undefined,
        attempts,
        ...errorFields(error),
      });
    } catch {
      // A broken logger must not stop delivery; the dead letter is recorded regardless.
    }
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
