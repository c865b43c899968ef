/**
 * Claims: one state record per unit of work that must happen once (a post, a thread reply,
 * an archive, a command), modelled on Powertools' idempotency records. A record is
 * `in_progress` with an owner and an expiry, then `completed` (kept, as the done-marker) or
 * `released` (the owner gave up cleanly and anyone may start afresh). A claim whose expiry
 * has passed, or whose owner is known to be gone, is taken over with a conditional write; the
 * new holder gets the previous record, so it can resume from the steps already recorded and
 * knows that the dead holder may have acted. Only the holder of the current version can
 * checkpoint, complete or release (IfMatch), so a slow former holder never clobbers a newer one.
 *
 * Why not Powertools' idempotency utility itself: its persistence layer wraps one function call
 * keyed by a payload hash and stores its return value, with no steps to resume from, and its
 * record deletion on failure is unconditional; simwatch's claims need resumable steps, an owner
 * check on every write and S3 conditional writes as the only primitive.
 */
import type { ClaimOwner, Clock, StateStore } from "../ports.js";
import { StateContention } from "./state-update.js";

export type ClaimStatus = "in_progress" | "completed" | "released";

export interface ClaimRecord<P extends object = Record<string, unknown>> {
  status: ClaimStatus;
  owner: string;
  claimedAt: string;
  /** Past this, an in-progress claim is anyone's to take over. */
  expiresAt: string;
  /** What the work has done so far (each step's result), carried over on takeover. */
  progress: P;
}

export interface Claim<P extends object = Record<string, unknown>> {
  key: string;
  etag: string;
  record: ClaimRecord<P>;
}

export type ClaimAttempt<P extends object> =
  /** `previous` is the record taken over: released (a clean start) or stale (its holder may have acted). */
  | { status: "acquired"; claim: Claim<P>; previous?: ClaimRecord<P> }
  | { status: "completed"; record: ClaimRecord<P>; etag: string }
  | { status: "busy"; record: ClaimRecord<P> };

/** The claim changed hands (it expired and someone took it over): stop, the new holder goes on. */
export class ClaimLost extends Error {
  override readonly name = "ClaimLost";
  constructor(readonly key: string) {
    super(`The claim on ${key} was taken over by another worker`);
  }
}

let anonymousOwners = 0;

/** An owner that knows nothing of other processes: stale claims are taken over on expiry only. */
export function anonymousOwner(): ClaimOwner {
  anonymousOwners += 1;
  return { id: `anon-${Date.now().toString(36)}-${anonymousOwners}-${Math.random().toString(36).slice(2, 8)}`, isGone: () => false };
}

export interface ClaimsDeps {
  state: StateStore;
  clock: Clock;
  owner: ClaimOwner;
}

export function isStale(record: ClaimRecord<object>, now: Date, owner: ClaimOwner): boolean {
  if (record.status !== "in_progress") return record.status === "released";
  return Date.parse(record.expiresAt) <= now.getTime() || (record.owner !== owner.id && owner.isGone(record.owner));
}

export function createClaims(deps: ClaimsDeps) {
  const { state, clock, owner } = deps;

  const fresh = <P extends object>(progress: P, ttlMs: number): ClaimRecord<P> => {
    const now = clock.now();
    return { status: "in_progress", owner: owner.id, claimedAt: now.toISOString(), expiresAt: new Date(now.getTime() + ttlMs).toISOString(), progress };
  };

  /** Reads back what was just written; a version that is not ours means the claim changed hands. */
  async function readBack<P extends object>(key: string, written: ClaimRecord<P>): Promise<Claim<P>> {
    const found = await state.get<ClaimRecord<P>>(key);
    if (!found || found.value.owner !== written.owner || found.value.claimedAt !== written.claimedAt || found.value.status !== written.status) {
      throw new ClaimLost(key);
    }
    return { key, etag: found.etag, record: found.value };
  }

  async function acquire<P extends object>(key: string, options: { ttlMs: number; progress: P }): Promise<ClaimAttempt<P>> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const record = fresh(options.progress, options.ttlMs);
      if (await state.create(key, record)) return { status: "acquired", claim: await readBack(key, record) };
      const existing = await state.get<ClaimRecord<P>>(key);
      if (!existing) continue;
      const previous = existing.value;
      if (previous.status === "completed") return { status: "completed", record: previous, etag: existing.etag };
      if (!isStale(previous, clock.now(), owner)) return { status: "busy", record: previous };
      const takeover = fresh(previous.status === "released" ? options.progress : { ...options.progress, ...previous.progress }, options.ttlMs);
      if (await state.replace(key, takeover, existing.etag)) {
        return { status: "acquired", claim: await readBack(key, takeover), previous };
      }
    }
    throw new StateContention(key, 5);
  }

  async function write<P extends object>(claim: Claim<P>, record: ClaimRecord<P>): Promise<Claim<P>> {
    if (!(await state.replace(claim.key, record, claim.etag))) throw new ClaimLost(claim.key);
    return readBack(claim.key, record);
  }

  return {
    acquire,
    /** Records a step's result and pushes the expiry out (a heartbeat, too). */
    checkpoint<P extends object>(claim: Claim<P>, progress: Partial<P>, ttlMs?: number): Promise<Claim<P>> {
      const now = clock.now();
      const expiresAt = ttlMs === undefined ? claim.record.expiresAt : new Date(now.getTime() + ttlMs).toISOString();
      return write(claim, { ...claim.record, expiresAt, progress: { ...claim.record.progress, ...progress } });
    },
    /** Marks the work done; the record stays as its done-marker, with the final progress. */
    complete<P extends object>(claim: Claim<P>, progress: Partial<P> = {}): Promise<Claim<P>> {
      return write(claim, { ...claim.record, status: "completed", progress: { ...claim.record.progress, ...progress } });
    },
    /** Gives the work back cleanly (it failed before any effect); a claim already lost is left alone. */
    async release<P extends object>(claim: Claim<P>): Promise<void> {
      await state.replace(claim.key, { ...claim.record, status: "released" }, claim.etag);
    },
    /** Makes the claim stale at once, keeping its progress: the next attempt takes it over and resumes. */
    expireNow<P extends object>(claim: Claim<P>, progress: Partial<P> = {}): Promise<Claim<P>> {
      return write(claim, { ...claim.record, expiresAt: clock.now().toISOString(), progress: { ...claim.record.progress, ...progress } });
    },
  };
}

export type Claims = ReturnType<typeof createClaims>;

/**
 * Keeps a long-held claim alive: pushes its expiry out every `everyMs`, so it expires soon
 * after its holder dies but never while the holder works. `signal` aborts if the claim is
 * lost (taken over: the holder must stop); `stop` ends the heartbeat and returns the claim.
 */
export function keepAlive<P extends object>(claims: Claims, claim: Claim<P>, options: { ttlMs: number; everyMs: number }) {
  let current = claim;
  let beat: Promise<void> = Promise.resolve();
  const lost = new AbortController();
  const timer = setInterval(() => {
    beat = beat.then(async () => {
      if (lost.signal.aborted) return;
      try {
        current = await claims.checkpoint(current, {}, options.ttlMs);
      } catch (error) {
        lost.abort(error);
      }
    });
  }, options.everyMs);
  return {
    signal: lost.signal,
    async stop(): Promise<Claim<P>> {
      clearInterval(timer);
      await beat;
      return current;
    },
  };
}
