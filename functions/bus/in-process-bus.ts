/**
 * EventBus inside one process (local mode, tests). Like EventBridge with one rule per
 * subscriber: each handler has its own queue and sees its events in publish order, later
 * and never inside the publisher's call stack; each gets its own JSON copy of the event,
 * exactly what it would decode from EventBridge. A failing handler is retried a few times,
 * then dead-lettered and logged; it never stops the others or crashes the process.
 */
import type { DetailType, EventOf, SimwatchEvent } from "../core/events.js";
import type { EventBus } from "../core/ports.js";
import { sleep } from "./backoff.js";
import { runIdOf } from "./entries.js";
import { BusClosedError } from "./errors.js";
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
}

interface Subscription {
  name: string;
  detailType: DetailType;
  handler: (event: SimwatchEvent) => void | Promise<void>;
  queue: SimwatchEvent[];
  draining: boolean;
  active: boolean;
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

  constructor(options: InProcessBusOptions = {}) {
    this.attempts = Math.max(1, options.attempts ?? 3);
    this.retryDelayMs = options.retryDelayMs ?? 20;
    this.log = options.log ?? jsonLogger();
  }

  /** Adds a handler for one detail-type (several per type are fine). Returns an unsubscribe. */
  subscribe<K extends DetailType>(detailType: K, handler: EventHandler<K>, options: { name?: string } = {}): () => void {
    const subscription: Subscription = {
      name: options.name ?? (handler.name || `${detailType} #${this.subscriptions.length + 1}`),
      detailType,
      // Safe: a subscription only ever receives events of its own detail-type.
      handler: handler as (event: SimwatchEvent) => void | Promise<void>,
      queue: [],
      draining: false,
      active: true,
    };
    this.subscriptions.push(subscription);
    return () => {
      subscription.active = false;
      this.subscriptions = this.subscriptions.filter((other) => other !== subscription);
    };
  }

  /** Queues the events for their subscribers and returns; delivery happens after this call. */
  async publish(events: readonly SimwatchEvent[]): Promise<void> {
    if (this.closed) throw new BusClosedError();
    // Serialize everything first: an event that cannot cross EventBridge is refused whole.
    const texts = events.map((event) => ({ detailType: event.detailType, text: JSON.stringify(event) }));
    for (const { detailType, text } of texts) {
      for (const subscription of this.subscriptions) {
        if (subscription.detailType !== detailType) continue;
        subscription.queue.push(JSON.parse(text) as SimwatchEvent);
        this.outstanding++;
        this.schedule(subscription);
      }
    }
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
    this.closed = true;
    await this.idle();
  }

  private schedule(subscription: Subscription): void {
    if (subscription.draining) return;
    subscription.draining = true;
    setImmediate(() => void this.drain(subscription));
  }

  private async drain(subscription: Subscription): Promise<void> {
    try {
      for (let event = subscription.queue.shift(); event !== undefined; event = subscription.queue.shift()) {
        try {
          if (subscription.active) await this.deliver(subscription, event);
        } finally {
          this.outstanding--;
        }
      }
    } finally {
      subscription.draining = false;
      if (this.outstanding === 0) this.wakeIdleWaiters();
    }
  }

  private async deliver(subscription: Subscription, event: SimwatchEvent): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await subscription.handler(event);
        return;
      } catch (error) {
        if (attempt < this.attempts) {
          await sleep(this.retryDelayMs * attempt);
          continue;
        }
        this.deadLetter(subscription, event, attempt, error);
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
