/**
 * The Home's facts, shared by everybody for a minute (in state, so every worker and Lambda
 * container sees the same copy): opening a Home costs Amigo no more than `/sim status`, and
 * 100 people opening theirs within a minute cost at most two readings (three or four calls).
 * When the copy is stale, one reader per version refreshes it (a lease created once; a lease
 * whose holder died is taken over after LEASE_MS); the others wait a moment for the new copy
 * and otherwise make do with the stale one.
 */
import { createHash } from "node:crypto";
import { stateKeys } from "../idempotency/state-keys.js";
import type { AmigoApi, Clock, StateStore } from "../ports.js";
import { sleep as realSleep } from "../util/backoff.js";
import { type HomeFacts, readHomeFacts } from "./home-facts.js";

/** How long one reading of the facts serves every Home. */
export const FACTS_FRESH_MS = 60_000;
/** A refresh lease older than this belonged to a reader that died. */
const LEASE_MS = 30_000;
const WAIT_STEP_MS = 200;

export interface HomeCacheDeps {
  amigo: AmigoApi;
  state: StateStore;
  clock: Clock;
  sleep?: (ms: number) => Promise<void>;
  /** How long a reader waits for another's refresh before using what there is (default 5 s). */
  maxWaitMs?: number;
}

interface Lease {
  at: string;
}

const versionOf = (etag: string | undefined) => (etag === undefined ? "none" : createHash("sha256").update(etag).digest("hex").slice(0, 24));

async function takeLease(deps: HomeCacheDeps, key: string): Promise<boolean> {
  const now = deps.clock.now();
  if (await deps.state.create<Lease>(key, { at: now.toISOString() })) return true;
  const held = await deps.state.get<Lease>(key);
  return held !== undefined && now.getTime() - Date.parse(held.value.at) > LEASE_MS && deps.state.replace<Lease>(key, { at: now.toISOString() }, held.etag);
}

async function refresh(deps: HomeCacheDeps, current: { etag: string } | undefined): Promise<HomeFacts> {
  const facts = await readHomeFacts(deps, deps.clock.now());
  const key = stateKeys.homeFacts();
  // Losing this write to another reader is fine: theirs is as fresh.
  if (current) await deps.state.replace(key, facts, current.etag);
  else await deps.state.create(key, facts);
  return facts;
}

/**
 * The facts every Home is built from: the shared copy while fresh, else refreshed by one reader.
 * `notBefore`: a copy read before this is stale whatever its age (a run finished since).
 */
export async function sharedHomeFacts(deps: HomeCacheDeps, options: { notBefore?: Date } = {}): Promise<HomeFacts> {
  const key = stateKeys.homeFacts();
  const current = await deps.state.get<HomeFacts>(key);
  const fresh = (facts: HomeFacts) =>
    deps.clock.now().getTime() - Date.parse(facts.readAt) < FACTS_FRESH_MS && (options.notBefore === undefined || Date.parse(facts.readAt) >= options.notBefore.getTime());
  if (current && fresh(current.value)) return current.value;
  if (await takeLease(deps, stateKeys.homeFactsLease(versionOf(current?.etag)))) return refresh(deps, current);
  const sleep = deps.sleep ?? realSleep;
  for (let waited = 0; waited < (deps.maxWaitMs ?? 5000); waited += WAIT_STEP_MS) {
    await sleep(WAIT_STEP_MS);
    const again = await deps.state.get<HomeFacts>(key);
    if (again && again.etag !== current?.etag) return again.value;
  }
  // The refresher is slow or gone: stale facts beat none; with none at all, read them here.
  return current ? current.value : refresh(deps, undefined);
}
