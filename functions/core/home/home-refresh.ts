/**
 * Homes kept fresh without asking: when a run of a set finishes, the Homes that show the set
 * and were opened in the last 24 hours are republished, each at most once a minute, and all
 * of them within Slack's views.publish rate, whatever the burst.
 *
 * A finish only creates the set's marker (home/finished/<set>: created once, so a burst of
 * finishes of one set is one marker, and nobody contends for a shared document). One drainer at
 * a time (a claim, taken over when its holder dies) turns markers into people, queues them in
 * one document (one entry per person: a queue as long as the viewers, never longer), and
 * publishes those whose minute has passed, as many as the rate allows, with facts read after
 * the finish. A person leaves the queue only once their Home is published, so a drainer killed
 * mid-publish leaves them queued for the next drain (on the next finish, open or
 * `Home Refresh Due`). What does not fit in one drain's time goes on in a `Home Refresh Due`.
 */
import { event } from "../events.js";
import { anonymousOwner, type Claim, createClaims } from "../idempotency/claims.js";
import { stateKeys } from "../idempotency/state-keys.js";
import type { EventBus } from "../ports.js";
import { mapConcurrent, STATE_CONCURRENCY } from "../util/concurrency.js";
import { sleep as realSleep } from "../util/backoff.js";
import { type Deadline, NO_DEADLINE } from "../util/deadline.js";
import type { HomeDeps, HomeViewer, Homes } from "./homes.js";

/** Homes refreshed after a finish: those opened this recently. */
export const VIEWER_WINDOW_MS = 24 * 3600_000;
/** A person's Home is republished at most this often by finishes. */
export const PER_PERSON_MS = 60_000;
/** views.publish calls per minute, all people together (Slack's rate for it is about 100). */
export const PUBLISHES_PER_MINUTE = 90;
const MINUTE = 60_000;
/** Finished sets are turned into people at most this often once there are many viewers (it reads every viewer's record). */
export const ADMIT_EVERY_MS = 10_000;
const FEW_VIEWERS = 50;

/** Someone waiting for their Home to be republished. */
interface Waiting {
  /** Since when (ISO). */
  since: string;
  /** Their Home is built from facts read after this (ISO). */
  finishedAt: string;
  teamId?: string;
  enterpriseId?: string;
}

interface Queue {
  /** One entry per person, however many finishes concern them. */
  waiting: Record<string, Waiting>;
  /** Publications of the last minute (ISO), by the drainers: the shared rate. */
  recent: string[];
  /** When each person's Home was last published (ISO), for the last minute: once a minute each. */
  published: Record<string, string>;
  /** When finished sets were last turned into people (ISO), and how many viewers that read: with many, at most every ADMIT_EVERY_MS. */
  admittedAt?: string;
  viewersRead?: number;
}

interface SetFinished {
  setId: string;
  at: string;
}

export interface RefreshDeps extends HomeDeps {
  bus: EventBus;
  homes: Homes;
  /** How a drain waits for the next person's minute or the rate's next slot (tests move a clock instead). */
  wait?: (ms: number) => Promise<void>;
}

export type DrainReport = { status: "busy" } | { status: "drained"; published: number; waiting: number; handedOn: boolean };

export function createHomeRefresh(deps: RefreshDeps) {
  const owner = deps.owner ?? anonymousOwner();
  const claims = createClaims({ state: deps.state, clock: deps.clock, owner });
  const now = () => deps.clock.now();
  const sleep = deps.wait ?? realSleep;

  /** Run Finished: the set's Homes are due. Cheap and contention-free; then drains if nobody is. */
  async function runFinished(setId: string, options: { deadline?: Deadline } = {}): Promise<DrainReport> {
    await deps.state.create<SetFinished>(stateKeys.homeSetFinished(setId), { setId, at: now().toISOString() });
    return drain(options);
  }

  async function viewers(): Promise<HomeViewer[]> {
    const keys = await deps.state.list(stateKeys.homeViewersPrefix());
    const found = await mapConcurrent(keys, STATE_CONCURRENCY, async (key) => (await deps.state.get<HomeViewer>(key))?.value);
    const since = now().getTime() - VIEWER_WINDOW_MS;
    return found.filter((viewer): viewer is HomeViewer => viewer !== undefined && Date.parse(viewer.openedAt) >= since);
  }

  /**
   * Markers become queued people (whose Home shows a set that finished). The queue is saved
   * before the markers go, so a drainer dying in between loses nobody; and each entry is then
   * stamped with the time after the markers went, so its Home is built from facts read after
   * every finish its marker stood for.
   */
  async function admit(queue: Queue, keys: readonly string[]): Promise<void> {
    const [people, markers] = await Promise.all([viewers(), mapConcurrent(keys, STATE_CONCURRENCY, async (key) => (await deps.state.get<SetFinished>(key))?.value)]);
    const finished = new Set(markers.flatMap((marker) => (marker ? [marker.setId] : [])));
    const admitted = people.filter((viewer) => viewer.setIds.some((setId) => finished.has(setId)));
    const stamp = () => {
      const at = now().toISOString();
      queue.admittedAt = at;
      queue.viewersRead = people.length;
      for (const { userId, teamId, enterpriseId, publishedAt } of admitted) {
        queue.waiting[userId] = { since: queue.waiting[userId]?.since ?? at, finishedAt: at, ...(teamId ? { teamId } : {}), ...(enterpriseId ? { enterpriseId } : {}) };
        const last = queue.published[userId];
        if (publishedAt && (!last || publishedAt > last)) queue.published[userId] = publishedAt;
      }
    };
    stamp();
    await saveQueue(queue);
    await Promise.all(keys.map((key) => deps.state.delete(key)));
    stamp();
    await saveQueue(queue);
  }

  const admitDueIn = (queue: Queue) =>
    queue.admittedAt && (queue.viewersRead ?? 0) > FEW_VIEWERS ? Math.max(0, Date.parse(queue.admittedAt) + ADMIT_EVERY_MS - now().getTime()) : 0;

  let queueEtag: string | undefined;
  async function loadQueue(): Promise<Queue> {
    const found = await deps.state.get<Queue>(stateKeys.homeQueue());
    queueEtag = found?.etag;
    return { waiting: {}, recent: [], published: {}, ...found?.value };
  }
  async function saveQueue(queue: Queue): Promise<void> {
    const key = stateKeys.homeQueue();
    const written = queueEtag === undefined ? await deps.state.create(key, queue) : await deps.state.replace(key, queue, queueEtag);
    if (!written) throw new Error("The Home refresh queue was changed by another drainer");
    queueEtag = (await deps.state.get<Queue>(key))?.etag;
  }

  /** Who may be published now: their minute has passed; oldest waiting first; as many as the rate leaves. */
  function choose(queue: Queue): string[] {
    const at = now().getTime();
    queue.recent = queue.recent.filter((time) => at - Date.parse(time) < MINUTE);
    queue.published = Object.fromEntries(Object.entries(queue.published).filter(([, time]) => at - Date.parse(time) < PER_PERSON_MS));
    const room = Math.max(0, PUBLISHES_PER_MINUTE - queue.recent.length);
    return Object.entries(queue.waiting)
      .filter(([userId]) => queue.published[userId] === undefined)
      .sort(([, a], [, b]) => a.since.localeCompare(b.since))
      .slice(0, room)
      .map(([userId]) => userId);
  }

  /** When the next queued Home may be published (ms from now). */
  function nextSlotMs(queue: Queue): number {
    const at = now().getTime();
    const rateFree = queue.recent.length < PUBLISHES_PER_MINUTE ? 0 : Date.parse(queue.recent[0] ?? "") + MINUTE - at;
    const personFree = Math.min(...Object.keys(queue.waiting).map((userId) => Date.parse(queue.published[userId] ?? "1970-01-01") + PER_PERSON_MS - at));
    return Math.max(0, rateFree, personFree);
  }

  async function publishChosen(queue: Queue, chosen: readonly string[], deadline: Deadline): Promise<number> {
    let published = 0;
    for (const userId of chosen) {
      const entry = queue.waiting[userId];
      if (!entry || deadline.remainingMs() < 5000) break;
      const { teamId, enterpriseId } = entry;
      await deps.homes.publish({ userId, ...(teamId ? { teamId } : {}), ...(enterpriseId ? { enterpriseId } : {}) }, undefined, new Date(entry.finishedAt));
      const at = now().toISOString();
      queue.published[userId] = at;
      queue.recent.push(at);
      published += 1;
      delete queue.waiting[userId];
      await saveQueue(queue);
    }
    return published;
  }

  /** Drains the queue while it can (one drainer at a time); hands what is left to a `Home Refresh Due`. */
  async function drain(options: { deadline?: Deadline } = {}): Promise<DrainReport> {
    const deadline = options.deadline ?? NO_DEADLINE;
    const ttlMs = Math.min(deadline.remainingMs(), 120_000) + 10_000;
    const attempt = await claims.acquire(stateKeys.homeDrainer(), { ttlMs, progress: {} });
    if (attempt.status !== "acquired") return { status: "busy" };
    let claim: Claim = attempt.claim;
    let published = 0;
    let handedOn = false;
    let queue = await loadQueue();
    try {
      for (;;) {
        const finished = await deps.state.list(stateKeys.homeSetsFinishedPrefix());
        const admitNow = finished.length > 0 && admitDueIn(queue) === 0;
        if (admitNow) await admit(queue, finished);
        const unadmitted = finished.length > 0 && !admitNow;
        published += await publishChosen(queue, choose(queue), deadline);
        const left = Object.keys(queue.waiting).length;
        if (left === 0 && !unadmitted) break;
        const waitMs = Math.max(Math.min(left > 0 ? nextSlotMs(queue) : Number.POSITIVE_INFINITY, unadmitted ? admitDueIn(queue) : Number.POSITIVE_INFINITY), 1000);
        if (waitMs + 5000 > deadline.remainingMs()) {
          // Wait out what this drain's time allows first, so handing on never spins.
          await sleep(Math.min(waitMs, Math.max(0, deadline.remainingMs() - 5000)));
          await saveQueue(queue);
          await deps.bus.publish([event("Home Refresh Due", { waiting: left, at: now().toISOString() })]);
          handedOn = true;
          break;
        }
        await sleep(waitMs);
        claim = await claims.checkpoint(claim, {}, ttlMs);
        queue = await loadQueue();
      }
    } finally {
      await claims.release(claim).catch(() => undefined);
    }
    const waiting = Object.keys(queue.waiting).length;
    deps.log.info("home.drained", { published, waiting, handedOn });
    return { status: "drained", published, waiting, handedOn };
  }

  return { runFinished, drain };
}

export type HomeRefresh = ReturnType<typeof createHomeRefresh>;
