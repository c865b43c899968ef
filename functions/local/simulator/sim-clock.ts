/**
 * The simulator's time. Real time by default (plus whatever was advanced); "manual"
 * time stands still until `advance` moves it, so tests decide when runs progress.
 */
import type { Clock } from "../../core/ports.js";

export interface SimClock extends Clock {
  nowMs(): number;
  advance(ms: number): void;
}

export function createSimClock(mode: "real" | "manual", startTime?: Date): SimClock {
  let offsetMs = startTime === undefined ? 0 : startTime.getTime() - Date.now();
  // Manual time starts on a whole second, so ids and ISO strings read cleanly.
  let manualMs = Math.floor((startTime?.getTime() ?? Date.now()) / 1000) * 1000;
  const nowMs = mode === "real" ? () => Date.now() + offsetMs : () => manualMs;
  return {
    nowMs,
    now: () => new Date(nowMs()),
    advance(ms) {
      if (ms < 0) throw new RangeError("the simulator clock only moves forward");
      if (mode === "real") offsetMs += ms;
      else manualMs += ms;
    },
  };
}
