/**
 * Publishing Homes (the command worker's side of the Home tab). On `Home Opened` the person's
 * Home is published once per opening (Slack's event_id is a claim: a retry of it, or a second
 * delivery by the bus, is a no-op; a worker that died holding it leaves it to expire, and the
 * next delivery publishes). Every publication records the person as a viewer, with the sets
 * their Home shows, so a run of one of those sets finishing refreshes it (home-refresh.ts).
 */
import type { ChatPort, HomeView } from "../chat.js";
import type { AccessPolicy } from "../commands/access.js";
import type { HomeOpenedDetail } from "../events.js";
import { anonymousOwner, createClaims } from "../idempotency/claims.js";
import { stateKeys } from "../idempotency/state-keys.js";
import { updateState } from "../idempotency/state-update.js";
import type { Logger } from "../log.js";
import type { AmigoApi, ClaimOwner, Clock, StateStore } from "../ports.js";
import { sharedHomeFacts } from "./home-cache.js";
import type { HomeFacts } from "./home-facts.js";
import { buildHome, estimatedFit } from "./home-view.js";

export interface HomeDeps {
  amigo: AmigoApi;
  state: StateStore;
  chat: ChatPort;
  clock: Clock;
  access: AccessPolicy;
  log: Logger;
  owner?: ClaimOwner;
  archiveWebUrl?: string;
  commandWord?: string;
  /** For tests: how the shared facts' readers wait for each other. */
  sleep?: (ms: number) => Promise<void>;
}

/** Someone whose Home simwatch keeps fresh. */
export interface HomeViewer {
  userId: string;
  teamId?: string;
  enterpriseId?: string;
  /** When they last opened it (ISO). */
  openedAt: string;
  /** When it was last published (ISO). */
  publishedAt?: string;
  /** The sets it showed then: a run of one of them finishing refreshes it. */
  setIds: string[];
}

/** Another delivery of the same opening is being published right now: redeliver later. */
export class HomeBusy extends Error {
  override readonly name = "HomeBusy";
  constructor(readonly eventId: string) {
    super(`Home opening ${eventId} is being published by another delivery; retry the event`);
  }
}

export type HomeOutcome = { status: "published"; blocks: number } | { status: "duplicate" };

export function createHomes(deps: HomeDeps) {
  const owner = deps.owner ?? anonymousOwner();
  const claims = createClaims({ state: deps.state, clock: deps.clock, owner });
  const chat = deps.chat;
  if (!chat.publishHome) throw new Error("This chat cannot publish a Home tab");
  const publishView = chat.publishHome.bind(chat);
  const fits = chat.homeFits ? chat.homeFits.bind(chat) : estimatedFit;

  /** The viewer's Home as it would be published now (for `simwatch home`): nothing published or recorded. */
  async function preview(viewer: Pick<HomeViewer, "userId" | "teamId" | "enterpriseId">, notBefore?: Date): Promise<{ view: HomeView; facts: HomeFacts }> {
    const facts = await sharedHomeFacts(deps, notBefore ? { notBefore } : {});
    const view = buildHome(
      {
        facts,
        ...viewer,
        access: deps.access,
        ...(deps.archiveWebUrl ? { archiveWebUrl: deps.archiveWebUrl } : {}),
        ...(deps.commandWord ? { commandWord: deps.commandWord } : {}),
      },
      fits,
    );
    return { view, facts };
  }

  /** Builds and publishes the viewer's Home from the shared facts, then records what it shows. */
  async function publish(viewer: Pick<HomeViewer, "userId" | "teamId" | "enterpriseId">, openedAt?: string, notBefore?: Date): Promise<HomeView> {
    const { view, facts } = await preview(viewer, notBefore);
    await publishView(view);
    const publishedAt = deps.clock.now().toISOString();
    await updateState<HomeViewer>(deps.state, stateKeys.homeViewer(viewer.userId), (current) => ({
      ...viewer,
      openedAt: openedAt ?? current?.openedAt ?? publishedAt,
      publishedAt,
      setIds: facts.sets.map((set) => set.setId),
    }));
    deps.log.info("home.published", { userId: viewer.userId, blocks: view.blocks.length, factsReadAt: facts.readAt });
    return view;
  }

  /** `Home Opened`: publishes the person's Home once per opening. */
  async function opened(detail: HomeOpenedDetail, options: { claimTtlMs?: number } = {}): Promise<HomeOutcome> {
    const key = stateKeys.homeOpening(detail.eventId);
    const attempt = await claims.acquire(key, { ttlMs: options.claimTtlMs ?? 60_000, progress: {} });
    if (attempt.status === "completed") {
      deps.log.info("home.skipped", { eventId: detail.eventId, outcome: "duplicate" });
      return { status: "duplicate" };
    }
    if (attempt.status === "busy") throw new HomeBusy(detail.eventId);
    const { userId, teamId, enterpriseId } = detail;
    try {
      const view = await publish({ userId, ...(teamId ? { teamId } : {}), ...(enterpriseId ? { enterpriseId } : {}) }, detail.openedAt);
      await claims.complete(attempt.claim);
      return { status: "published", blocks: view.blocks.length };
    } catch (error) {
      // Nothing to resume: the next delivery publishes afresh.
      await claims.release(attempt.claim).catch(() => undefined);
      throw error;
    }
  }

  return { opened, publish, preview };
}

export type Homes = ReturnType<typeof createHomes>;
