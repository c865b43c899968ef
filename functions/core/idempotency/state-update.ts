/**
 * Conditional read-modify-write on one state key: read it, compute the next value, write it
 * only if nobody wrote in between (create when absent, IfMatch otherwise), and on a conflict
 * read again and recompute. Every "merge into a small JSON document" in simwatch goes through
 * here, so two overlapping writers never lose each other's change.
 */
import type { StateStore } from "../ports.js";

export class StateContention extends Error {
  override readonly name = "StateContention";
  constructor(readonly key: string, attempts: number) {
    super(`Could not update ${key}: it kept changing underneath (${attempts} attempts)`);
  }
}

export interface StateUpdate<T> {
  /** The value now stored (after this write, or as found when `next` wanted no change). */
  value: T | undefined;
  etag: string | undefined;
  written: boolean;
}

/**
 * `next` gets the current value (undefined when absent) and returns the value to store, or
 * undefined to leave the key as it is. It may run more than once: keep it free of effects.
 */
export async function updateState<T>(
  state: StateStore,
  key: string,
  next: (current: T | undefined) => T | undefined,
  attempts = 8,
): Promise<StateUpdate<T>> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const current = await state.get<T>(key);
    const value = next(current?.value);
    if (value === undefined) return { value: current?.value, etag: current?.etag, written: false };
    const written = current ? await state.replace(key, value, current.etag) : await state.create(key, value);
    if (written) return { value, etag: (await state.get<T>(key))?.etag, written: true };
  }
  throw new StateContention(key, attempts);
}
