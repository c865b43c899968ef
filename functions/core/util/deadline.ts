/**
 * A step's deadline: the time by which it must have saved its work (a Lambda's remaining time
 * less a margin, or a configured budget locally). Work that would run past it is not started
 * and no wait is made beyond it: the step defers what does not fit, with its progress saved.
 */
export interface Deadline {
  /** Milliseconds left; Infinity when the step may take as long as it needs. */
  remainingMs(): number;
}

export const NO_DEADLINE: Deadline = { remainingMs: () => Number.POSITIVE_INFINITY };

/** A deadline `ms` from now on `nowMs`'s clock. */
export function deadlineIn(ms: number, nowMs: () => number = Date.now): Deadline {
  const at = nowMs() + ms;
  return { remainingMs: () => at - nowMs() };
}

/** The same deadline, `marginMs` sooner (time kept back to save progress). */
export function sooner(deadline: Deadline, marginMs: number): Deadline {
  return { remainingMs: () => deadline.remainingMs() - marginMs };
}

/** Whether `ms` more of work still fits before the deadline. */
export function fits(deadline: Deadline, ms: number): boolean {
  return deadline.remainingMs() >= ms;
}
