/**
 * The typed Amigo API client: implements the `AmigoApi` port over HTTP, with sign-in,
 * retries, paging and schema validation handled by the requester.
 */
import {
  ArtifactsResponse,
  CreateRunResponse,
  OBJECT_ID,
  type Run,
  type RunFilter,
  type UnitTest,
  type UnitTestSet,
} from "../core/model/amigo-model.js";
import { type AmigoApi, type ListingPage, type RecentRequests, systemClock } from "../core/ports.js";
import type { Deadline } from "../core/util/deadline.js";
import { type AmigoEndpoint, PAGE_LIMITS } from "./endpoints.js";
import { silentLogger } from "./logger.js";
import { type AmigoClientOptions, DEFAULT_TIMEOUT_MS, DEFAULT_TOKEN_REFRESH_MARGIN_MS } from "./options.js";
import { listPage, listRecords } from "./list-pages.js";
import { chunk, collect, type Page } from "./paging.js";
import { type QueryValue, runFilterParams } from "./query.js";
import { ClientRateLimiter, type SentRequests } from "./rate-limiter.js";
import { type AmigoCaller, Requester } from "./requester.js";
import { sleep } from "../core/util/backoff.js";
import { DEFAULT_RETRY } from "./retry-policy.js";

/** Ids per request when fetching by id (keeps URLs short; 50 is also the runs page maximum). */
const IDS_PER_REQUEST = 50;

export interface AmigoClient extends AmigoApi {
  readonly orgId: string;
  /** HTTP attempts per endpoint since the client was created (retries and sign-ins included). */
  requestCounts(): Partial<Record<AmigoEndpoint, number>>;
  /** Signs in now unless a fresh token is cached: fails fast on bad credentials. */
  signIn(): Promise<void>;
  /** The same client (token, limits, shared reads) for one step: no call starts or waits past `deadline`. */
  withDeadline(deadline: Deadline): AmigoApi;
}

/** The share of each of Amigo's limits a client uses unless told otherwise (one process, the simulator's demo). */
export const DEFAULT_RATE_LIMIT_SHARE = 0.9;

export function createAmigoClient(options: AmigoClientOptions): AmigoClient {
  const clock = options.clock ?? systemClock;
  const limiter =
    options.rateLimitShare === false ? undefined : new ClientRateLimiter(options.rateLimitShare ?? DEFAULT_RATE_LIMIT_SHARE, options.sleep ?? sleep, () => clock.now().getTime());
  const requester = new Requester({
    baseUrl: options.baseUrl,
    credentials: options.credentials,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    retry: { ...DEFAULT_RETRY, ...options.retry },
    refreshMarginMs: options.tokenRefreshMarginMs ?? DEFAULT_TOKEN_REFRESH_MARGIN_MS,
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    clock,
    logger: options.logger ?? silentLogger,
    onRequest: options.onRequest,
    random: options.random ?? Math.random,
    sleep: options.sleep ?? sleep,
    limiter,
  });
  const pacing = limiter ? { pacing: { recent: () => limiter.recent(), restore: (requests: RecentRequests) => limiter.restore(requests as SentRequests) } } : {};
  return {
    ...apiOver(requester),
    ...pacing,
    orgId: options.credentials.orgId,
    requestCounts: () => requester.requestCounts(),
    signIn: () => requester.ensureToken(),
    withDeadline: (deadline) => ({ ...apiOver(requester.bounded(deadline)), ...pacing }),
  };
}

/** The port's calls, each made through `caller` (the requester, or a deadline-bound view of it). */
function apiOver(caller: AmigoCaller): AmigoApi {
  function listRuns(filter: RunFilter = {}): AsyncIterable<Run> {
    const params = runFilterParams(filter);
    const limit = filter.limit ?? PAGE_LIMITS.listRuns;
    return listRecords(caller, "listRuns", { query: { ...params, limit } });
  }

  function listSetPages(extra: Record<string, QueryValue>): AsyncIterable<UnitTestSet> {
    return listRecords(caller, "listSets", { query: { ...extra, limit: PAGE_LIMITS.listSets } });
  }

  async function listSets(ids?: readonly string[]): Promise<UnitTestSet[]> {
    if (ids === undefined || ids.length === 0) return collect(listSetPages({}));
    const out: UnitTestSet[] = [];
    for (const batch of chunk(wellFormedIds(ids), IDS_PER_REQUEST)) out.push(...(await collect(listSetPages({ id: batch }))));
    return out;
  }

  return {

    async createRun(setId) {
      const answer = await caller.call({
        endpoint: "createRun",
        json: { simulation_unit_test_set_id: setId },
        schema: CreateRunResponse,
        retry: "once",
        subject: setId,
      });
      return { runId: answer.simulation_unit_test_set_run_id };
    },

    listRuns,

    async getRuns(ids) {
      const out: Run[] = [];
      // Malformed ids cannot name a run; sending them would fail the whole batch with 422.
      for (const batch of chunk(wellFormedIds(ids), IDS_PER_REQUEST)) {
        out.push(...(await collect(listRuns({ id: batch, limit: IDS_PER_REQUEST }))));
      }
      return out;
    },

    async cancelRun(runId) {
      await caller.call({ endpoint: "cancelRun", runId, schema: undefined, retry: "idempotent", subject: runId });
    },

    getArtifactsLink(runId) {
      return caller.call({ endpoint: "getArtifacts", runId, schema: ArtifactsResponse, retry: "idempotent", subject: runId });
    },

    listSets,

    async findSetsByName(name) {
      // The API has no name filter: list every set and match here.
      const wanted = name.trim().toLowerCase();
      const sets = await collect(listSetPages({}));
      return sets.filter((set) => !set.is_deleted && set.name.trim().toLowerCase() === wanted);
    },

    async listUnitTests(ids) {
      const out: UnitTest[] = [];
      for (const batch of chunk(wellFormedIds(ids), IDS_PER_REQUEST)) {
        const tests = listRecords(caller, "listUnitTests", { query: { id: batch, limit: PAGE_LIMITS.listUnitTests } });
        out.push(...(await collect(tests)));
      }
      return out;
    },

    listMetricResults(runId) {
      return collect(listRecords(caller, "listMetricResults", metricResultsOf(runId)));
    },

    async metricResultsPage(runId, token) {
      return listingPage(await listPage(caller, "listMetricResults", metricResultsOf(runId), token));
    },

    async setsPage(token) {
      return listingPage(await listPage(caller, "listSets", { query: { limit: PAGE_LIMITS.listSets } }, token));
    },
  };
}

const metricResultsOf = (runId: string) => ({ query: { simulation_unit_test_set_run_id: [runId], limit: PAGE_LIMITS.listMetricResults }, subject: runId });

function listingPage<T>(page: Page<T>): ListingPage<T> {
  return { items: [...page.items], ...(page.has_more && page.continuation_token !== null ? { next: page.continuation_token } : {}) };
}

function wellFormedIds(ids: readonly string[]): string[] {
  return [...new Set(ids)].filter((id) => OBJECT_ID.test(id));
}
