/** Records what is published, then hands it on, so "no event" can be asserted on real traffic. */
import type { SimwatchEvent } from "../../functions/core/events.js";
import type { EventBus } from "../../functions/core/ports.js";

export class RecordingBus implements EventBus {
  readonly published: SimwatchEvent[] = [];
  constructor(private readonly next: EventBus) {}
  async publish(events: readonly SimwatchEvent[]): Promise<void> {
    this.published.push(...events);
    await this.next.publish(events);
  }
}
