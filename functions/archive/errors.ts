/** Errors of the archive and state stores, by name a caller can branch on. */

/** A key that cannot name an object in every store (empty, `..`, a reserved suffix...). */
export class InvalidKeyError extends Error {
  override readonly name = "InvalidKeyError";
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`Invalid archive key ${JSON.stringify(key)}: ${reason}`);
  }
}

/** The stream ended with a different number of bytes than `contentLength` promised. */
export class ContentLengthMismatchError extends Error {
  override readonly name = "ContentLengthMismatchError";
  constructor(
    readonly expected: number,
    readonly received: number,
  ) {
    super(`Expected ${expected} bytes but the stream ${received > expected ? "had more than that" : `ended after ${received}`}`);
  }
}

/** Another writer held a state key's lock for longer than the store waits (filesystem store). */
export class StateLockTimeoutError extends Error {
  override readonly name = "StateLockTimeoutError";
  constructor(
    readonly key: string,
    waitedMs: number,
  ) {
    super(`Timed out after ${waitedMs} ms waiting for the lock on state key ${key}`);
  }
}

/** The stored bytes of a state key are not JSON. */
export class CorruptStateError extends Error {
  override readonly name = "CorruptStateError";
  constructor(
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`State key ${key} does not hold valid JSON`, options);
  }
}

/** The reason an aborted signal carries, as an Error (the default reason is an AbortError). */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new DOMException(reason === undefined ? "The operation was aborted" : String(reason), "AbortError");
}
