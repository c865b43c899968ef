/**
 * Test bodies for ArchiveStore.putStream: random bytes in uneven chunks whose sha256 is
 * known once consumed, that can fail or stall part-way, and that report how far they got.
 */
import { createHash, randomBytes } from "node:crypto";

export interface ByteSourceOptions {
  totalBytes: number;
  /** Bytes per chunk; an odd size keeps part boundaries honest. Default 100_003. */
  chunkBytes?: number;
  /** Throw this error once this many bytes have been yielded. */
  failAfterBytes?: number;
  failWith?: Error;
  /** Stop yielding (forever) once this many bytes have been yielded; `stalled` then resolves. */
  stallAfterBytes?: number;
}

export class ByteSource implements AsyncIterable<Uint8Array> {
  yieldedBytes = 0;
  readonly stalled: Promise<void>;
  private markStalled: () => void = () => {};
  private readonly hash = createHash("sha256");
  private digest?: string;

  constructor(private readonly options: ByteSourceOptions) {
    this.stalled = new Promise((resolve) => {
      this.markStalled = resolve;
    });
  }

  /** sha256 (hex) of everything yielded; read it after the source is consumed. */
  sha256(): string {
    this.digest ??= this.hash.digest("hex");
    return this.digest;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    const { totalBytes, chunkBytes = 100_003, failAfterBytes, stallAfterBytes } = this.options;
    while (this.yieldedBytes < totalBytes) {
      if (failAfterBytes !== undefined && this.yieldedBytes >= failAfterBytes) {
        throw this.options.failWith ?? new Error("the source broke part-way");
      }
      if (stallAfterBytes !== undefined && this.yieldedBytes >= stallAfterBytes) {
        this.markStalled();
        await new Promise<never>(() => {});
      }
      const chunk = randomBytes(Math.min(chunkBytes, totalBytes - this.yieldedBytes));
      this.hash.update(chunk);
      this.yieldedBytes += chunk.byteLength;
      await new Promise((resolve) => setImmediate(resolve));
      yield chunk;
    }
  }
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export const MIB = 1024 * 1024;
