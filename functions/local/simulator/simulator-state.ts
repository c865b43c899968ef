/**
 * Everything the simulator knows, in memory: the catalog, runs, users and tokens,
 * links, limits, faults and the request log. Routes and the control API both act on it.
 */
import { randomBytes } from "node:crypto";
import type { Run, UserInfo } from "../../core/model/amigo-model.js";
import { ArtifactLinks } from "./artifact-links.js";
import { Catalog, type NewSet } from "./catalog.js";
import { Faults } from "./faults.js";
import type { AmigoCredentials } from "../../core/config.js";
import { ObjectIdFactory } from "./object-ids.js";
import { DEFAULT_OUTCOME, type RunOutcome, withDefaults } from "./outcome.js";
import { RateLimiter } from "./rate-limiter.js";
import { RequestLog } from "./request-log.js";
import { planRun, type RunPlan } from "./run-plan.js";
import { isCompleted, runView } from "./run-view.js";
import type { SimClock } from "./sim-clock.js";

export interface StateOptions {
  clock: SimClock;
  orgId: string;
  apiKey: string;
  apiKeyId: string;
  userIds: readonly string[];
  tokenLifetimeMs: number;
  artifactUrlLifetimeMs: number;
  rateLimits: boolean;
  defaultOutcome: RunOutcome;
  /** Names the id sequence, so two simulators with the same name hand out the same ids. */
  idSeed: string;
}

export interface NewRun {
  setId: string;
  creator: UserInfo;
  createdAtMs?: number;
  outcome?: Partial<RunOutcome>;
  /** The API's rule: one unfinished run per set and user. The control API may skip it. */
  enforceOneActive: boolean;
}

export type CreateRunResult = { runId: string } | { error: "set_not_found" | "active_run_exists" };
export type CancelResult = "cancelled" | "not_found" | "not_in_progress";

export class SimulatorState {
  readonly clock: SimClock;
  readonly orgId: string;
  readonly ids: ObjectIdFactory;
  readonly catalog: Catalog;
  readonly links = new ArtifactLinks();
  readonly limiter: RateLimiter;
  readonly faults = new Faults();
  readonly log = new RequestLog();
  /** Artifact bytes sent by downloads so far (what a resumed download saves shows here). */
  downloadedBytes = 0;
  readonly outcomes = new Map<string, RunOutcome>();
  readonly runs = new Map<string, RunPlan>();
  /** Runs in creation order (ids sort the same way), for listing. */
  readonly runOrder: RunPlan[] = [];
  readonly users: Set<string>;
  tokenLifetimeMs: number;
  artifactUrlLifetimeMs: number;
  defaultOutcome: RunOutcome;
  private readonly tokens = new Map<string, { user: UserInfo; expiresAtMs: number }>();

  constructor(private readonly options: StateOptions) {
    this.clock = options.clock;
    this.orgId = options.orgId;
    this.ids = new ObjectIdFactory(options.idSeed);
    this.catalog = new Catalog(options.orgId, this.ids);
    this.limiter = new RateLimiter(options.rateLimits);
    this.users = new Set(options.userIds);
    this.tokenLifetimeMs = options.tokenLifetimeMs;
    this.artifactUrlLifetimeMs = options.artifactUrlLifetimeMs;
    this.defaultOutcome = options.defaultOutcome;
  }

  credentialsFor(userId: string): AmigoCredentials {
    return { orgId: this.orgId, apiKey: this.options.apiKey, apiKeyId: this.options.apiKeyId, userId };
  }

  signIn(apiKey: string, apiKeyId: string, userId: string): { token: string; expiresAtMs: number } | undefined {
    if (apiKey !== this.options.apiKey || apiKeyId !== this.options.apiKeyId || !this.users.has(userId)) return undefined;
    const token = `simtok_${randomBytes(24).toString("base64url")}`;
    const expiresAtMs = this.clock.nowMs() + this.tokenLifetimeMs;
    this.tokens.set(token, { user: { org_id: this.orgId, user_id: userId }, expiresAtMs });
    return { token, expiresAtMs };
  }

  authenticate(authorization: string | undefined): UserInfo | undefined {
    const token = /^Bearer (.+)$/i.exec(authorization ?? "")?.[1];
    const entry = token === undefined ? undefined : this.tokens.get(token);
    if (entry === undefined || this.clock.nowMs() >= entry.expiresAtMs) return undefined;
    return entry.user;
  }

  /** Every token stops working now (the next call gets 401 and must sign in again). */
  revokeTokens(): void {
    this.tokens.clear();
  }

  addSet(spec: NewSet, atMs = this.clock.nowMs()) {
    const set = this.catalog.addSet(spec, atMs, { org_id: this.orgId, user_id: [...this.users][0] ?? "admin" });
    if (spec.outcome !== undefined) this.outcomes.set(set.id, withDefaults(this.defaultOutcome, spec.outcome));
    return set;
  }

  outcomeOf(setId: string): RunOutcome {
    return this.outcomes.get(setId) ?? this.defaultOutcome;
  }

  createRun(input: NewRun): CreateRunResult {
    const set = this.catalog.sets.get(input.setId);
    if (set === undefined || set.is_deleted) return { error: "set_not_found" };
    const nowMs = this.clock.nowMs();
    if (input.enforceOneActive && this.activeRunOf(set.id, input.creator, nowMs) !== undefined) return { error: "active_run_exists" };
    const createdAtMs = input.createdAtMs ?? nowMs;
    const plan = planRun(this.catalog, {
      id: this.ids.next(createdAtMs),
      orgId: this.orgId,
      setId: set.id,
      creator: input.creator,
      createdAtMs,
      outcome: withDefaults(this.outcomeOf(set.id), input.outcome),
    });
    this.runs.set(plan.id, plan);
    this.insertInOrder(plan);
    set.last_triggered_run_id = plan.id;
    return { runId: plan.id };
  }

  cancelRun(runId: string): CancelResult {
    const plan = this.runs.get(runId);
    if (plan === undefined) return "not_found";
    const nowMs = this.clock.nowMs();
    if (isCompleted(plan, nowMs)) return "not_in_progress";
    plan.cancelledAtMs = nowMs;
    return "cancelled";
  }

  view(runId: string): Run | undefined {
    const plan = this.runs.get(runId);
    return plan === undefined ? undefined : runView(plan, this.clock.nowMs());
  }

  private activeRunOf(setId: string, creator: UserInfo, nowMs: number): RunPlan | undefined {
    return this.runOrder.find(
      (plan) =>
        plan.setId === setId &&
        plan.creator.org_id === creator.org_id &&
        plan.creator.user_id === creator.user_id &&
        !isCompleted(plan, nowMs),
    );
  }

  /** Keeps runOrder sorted by creation time even when the control API backdates a run. */
  private insertInOrder(plan: RunPlan): void {
    let index = this.runOrder.length;
    while (index > 0 && (this.runOrder[index - 1]?.createdAtMs ?? 0) > plan.createdAtMs) index--;
    this.runOrder.splice(index, 0, plan);
  }
}

