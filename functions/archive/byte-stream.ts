/**
 * The bridge from an AsyncIterable of bytes to a Node Readable the stores consume.
 * It pulls one chunk per read (so memory follows the consumer's back-pressure), stops at
 * once when `signal` aborts (even while the source is stuck waiting), and fails the stream
 * when the byte count differs from a promised `expectedLength`.
 */
import { Readable } from "node:stream";
import { abortReason, ContentLengthMismatchError } from "./errors.js";

export interface ByteStreamOptions {
  signal?: AbortSignal;
  expectedLength?: number;
}

export function readableFromBytes(source: AsyncIterable<Uint8Array>, options: ByteStreamOptions = {}): Readable {
  const { signal, expectedLength } = options;
  const iterator = source[Symbol.asyncIterator]();
  let received = 0;
  let sourceDone = false;

  const nextChunk = async (): Promise<Uint8Array | null> => {
    for (;;) {
      const result = await iterator.next();
      if (result.done) {
        sourceDone = true;
        if (expectedLength !== undefined && received !== expectedLength) {
          throw new ContentLengthMismatchError(expectedLength, received);
        }
        return null;
      }
      received += result.value.byteLength;
      if (expectedLength !== undefined && received > expectedLength) {
        throw new ContentLengthMismatchError(expectedLength, received);
      }
      if (result.value.byteLength > 0) return result.value;
    }
  };

  const onAbort = () => {
    if (signal) readable.destroy(abortReason(signal));
  };

  const readable = new Readable({
    read() {
      nextChunk().then(
        (chunk) => {
          if (!readable.destroyed) readable.push(chunk);
        },
        (error: unknown) => readable.destroy(error instanceof Error ? error : new Error(String(error))),
      );
    },
    destroy(error, callback) {
      signal?.removeEventListener("abort", onAbort);
      // Ask the source to finish, without waiting: a source stuck on an await must not
      // hold up an abort (an async generator runs its `finally` when it resumes).
      if (!sourceDone) {
        sourceDone = true;
        Promise.resolve()
          .then(() => iterator.return?.())
          .catch(() => {});
      }
      callback(error);
    },
  });

  if (signal?.aborted) readable.destroy(abortReason(signal));
  else signal?.addEventListener("abort", onAbort, { once: true });
  return readable;
}
