/**
 * The control API tests and benchmarks drive the simulator with: move time, shape
 * outcomes, add sets and users, create or cancel runs without HTTP, inject faults and
 * read the request log.
 */
import type { Run, UnitTestSet, UserInfo } from "../../core/model/amigo-model.js";
import { type ArtifactDigest, artifactDigest, artifactSource } from "./artifact-content.js";
import type { NewSet } from "./catalog.js";
import type { SimEndpoint } from "./endpoints.js";
import type { CorruptFault, DelayFault, DownloadFault, ErrorFault } from "./faults.js";
import { type RunOutcome, withDefaults } from "./outcome.js";
import type { LoggedRequest } from "./request-log.js";
import type { Thinning } from "./run-plan.js";
import type { SimClock } from "./sim-clock.js";
import type { AmigoCredentials } from "../../core/config.js";
import type { SimulatorState } from "./simulator-state.js";

export interface DirectRun {
  /** Set id or name. */
  set: string;
  /** A user id of the simulator's org, or a full {org_id, user_id}. Default: the main user. */
  creator?: string | UserInfo;
  /** Backdate (or postdate) the run; the id's time part follows. */
  createdAt?: Date;
  /** Overrides the set's outcome for this run only. */
  outcome?: Partial<RunOutcome>;
  /** Apply the API's one-unfinished-run-per-set-and-user rule (throws when broken). Default false. */
  enforceOneActive?: boolean;
}

export interface SimulatorControl {
  readonly clock: SimClock;
  now(): Date;
  /** Moves simulator time forward (runs progress, tokens and links expire). */
  advance(ms: number): void;
  /** How runs of a set (id or name) started from now on turn out. */
  setOutcome(set: string, outcome: Partial<RunOutcome>): void;
  /** The outcome for sets that have none of their own. */
  setDefaultOutcome(outcome: Partial<RunOutcome>): void;
  addSet(spec: NewSet): UnitTestSet;
  sets(): UnitTestSet[];
  /** Registers another user of the org; returns credentials that sign in as them. */
  addUser(userId: string): AmigoCredentials;
  /** Creates a run without HTTP (no rate limit, no fault); returns its id. */
  createRun(run: DirectRun): string;
  cancelRun(runId: string): void;
  /** The run as the API would show it now. */
  getRun(runId: string): Run | undefined;
  runIds(): string[];
  /**
   * Shows the run as a user lacking a permission would see it: "set" as without
   * Simulation:GetSimulationUnitTestSet, "unit_test" as without Simulation:GetSimulationUnitTest.
   */
  thinRun(runId: string, level: Thinning): void;
  /** Every issued token stops working (the next call gets 401). */
  revokeTokens(): void;
  setTokenLifetime(ms: number): void;
  /** Lifetime of artifact links handed out from now on; 0 or less = already expired when handed out. */
  setArtifactUrlLifetime(ms: number): void;
  /** Every link handed out so far stops working. */
  expireArtifactLinks(): void;
  /** Published per-endpoint limits on or off (off for load tests); optional per-endpoint overrides. */
  setRateLimits(enabled: boolean, overrides?: Partial<Record<SimEndpoint, number>>): void;
  readonly faults: {
    failNext(endpoint: SimEndpoint | "*", fault?: ErrorFault): void;
    delayNext(endpoint: SimEndpoint | "*", fault: DelayFault): void;
    /** The next successful list answers of `endpoint` carry malformed records (or a broken page). */
    corruptNext(endpoint: SimEndpoint | "*", fault: CorruptFault): void;
    breakDownloads(fault: DownloadFault): void;
    /** The next `count` downloads answer 200 with no Content-Length and a body that never ends. */
    streamEndlessly(count?: number): void;
    /** The next `count` artifact links handed out are `url` (a file:, an http://127.0.0.1:9001, ...). */
    handOutLink(url: string, count?: number): void;
    /** Downloads send at most `bytesPerSecond` until cleared (undefined: no limit), so a test can kill a reader mid-file. */
    throttleDownloads(bytesPerSecond: number | undefined): void;
    clear(): void;
  };
  requests(endpoint?: SimEndpoint): LoggedRequest[];
  requestCounts(): Partial<Record<SimEndpoint, number>>;
  resetRequests(): void;
  /** Artifact bytes all downloads have sent so far. */
  downloadedBytes(): number;
  /** Size, sha256 and Content-Type a complete download of the run's artifacts has. */
  expectedArtifact(runId: string): ArtifactDigest;
}

export function createControl(state: SimulatorState, mainUserId: string): SimulatorControl {
  const setOf = (ref: string): UnitTestSet => {
    const set = state.catalog.findSet(ref);
    if (set === undefined) throw new Error(`simulator has no set "${ref}"`);
    return set;
  };
  const planOf = (runId: string) => {
    const plan = state.runs.get(runId);
    if (plan === undefined) throw new Error(`simulator has no run ${runId}`);
    return plan;
  };
  return {
    clock: state.clock,
    now: () => state.clock.now(),
    advance: (ms) => state.clock.advance(ms),
    setOutcome(set, outcome) {
      const { id } = setOf(set);
      state.outcomes.set(id, withDefaults(state.outcomeOf(id), outcome));
    },
    setDefaultOutcome(outcome) {
      state.defaultOutcome = withDefaults(state.defaultOutcome, outcome);
    },
    addSet: (spec) => state.addSet(spec),
    sets: () => [...state.catalog.sets.values()],
    addUser(userId) {
      state.users.add(userId);
      return state.credentialsFor(userId);
    },
    createRun(run) {
      const creator =
        typeof run.creator === "object" ? run.creator : { org_id: state.orgId, user_id: run.creator ?? mainUserId };
      const result = state.createRun({
        setId: setOf(run.set).id,
        creator,
        enforceOneActive: run.enforceOneActive ?? false,
        ...(run.createdAt === undefined ? {} : { createdAtMs: run.createdAt.getTime() }),
        ...(run.outcome === undefined ? {} : { outcome: run.outcome }),
      });
      if ("error" in result) throw new Error(`simulator refused the run: ${result.error}`);
      return result.runId;
    },
    cancelRun(runId) {
      const result = state.cancelRun(runId);
      if (result !== "cancelled") throw new Error(`simulator could not cancel ${runId}: ${result}`);
    },
    getRun: (runId) => state.view(runId),
    runIds: () => state.runOrder.map((plan) => plan.id),
    thinRun(runId, level) {
      planOf(runId).thinning = level;
    },
    revokeTokens: () => state.revokeTokens(),
    setTokenLifetime(ms) {
      state.tokenLifetimeMs = ms;
    },
    setArtifactUrlLifetime(ms) {
      state.artifactUrlLifetimeMs = ms;
    },
    expireArtifactLinks: () => state.links.expireAll(state.clock.nowMs()),
    setRateLimits(enabled, overrides) {
      state.limiter.enabled = enabled;
      if (overrides !== undefined) state.limiter.limits = { ...state.limiter.limits, ...overrides };
      state.limiter.reset();
    },
    faults: {
      failNext: (endpoint, fault) => state.faults.failNext(endpoint, fault),
      delayNext: (endpoint, fault) => state.faults.delayNext(endpoint, fault),
      corruptNext: (endpoint, fault) => state.faults.corruptNext(endpoint, fault),
      breakDownloads: (fault) => state.faults.breakDownloads(fault),
      streamEndlessly: (count) => state.faults.streamEndlessly(count),
      handOutLink: (url, count) => state.faults.handOutLink(url, count),
      throttleDownloads: (bytesPerSecond) => {
        state.faults.downloadBytesPerSecond = bytesPerSecond;
      },
      clear: () => state.faults.clear(),
    },
    requests: (endpoint) => state.log.list(endpoint),
    requestCounts: () => state.log.counts(),
    resetRequests: () => state.log.reset(),
    downloadedBytes: () => state.downloadedBytes,
    expectedArtifact: (runId) => artifactDigest(artifactSource(planOf(runId))),
  };
}
