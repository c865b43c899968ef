/**
 * simwatch's cancel requests, one record per run (stateKeys.cancelRequest). Amigo has no
 * "cancelled" flag, so this record is the only way a verdict becomes "cancelled", and only
 * once Amigo has accepted the cancel: the record says "requested" from before the call until
 * Amigo answers, then "cancelled" (204), "refused" (Amigo said no), or "unknown" (a retry met
 * a run no longer in progress after an earlier attempt's answer was lost).
 */
import type { Run } from "../model/amigo-model.js";
import { mapConcurrent, STATE_CONCURRENCY } from "../util/concurrency.js";
import type { StateStore } from "../ports.js";
import { stateKeys } from "../idempotency/state-keys.js";
import { updateState } from "../idempotency/state-update.js";

export type CancelStatus = "requested" | "cancelled" | "refused" | "unknown";

export interface CancelRequest {
  /** Records from before statuses existed were written only for accepted cancels. */
  status?: CancelStatus;
  by: string;
  channelId: string;
  requestId: string;
  at: string;
  resolvedAt?: string;
}

/** Marks the run's cancel as requested (again, after a refusal); an accepted cancel stays accepted. */
export async function recordCancelRequest(state: StateStore, runId: string, request: Omit<CancelRequest, "status">): Promise<CancelRequest> {
  const saved = await updateState<CancelRequest>(state, stateKeys.cancelRequest(runId), (current) =>
    current && statusOf(current) === "cancelled" ? undefined : { ...request, status: "requested" },
  );
  return saved.value ?? { ...request, status: "requested" };
}

export async function resolveCancelRequest(state: StateStore, runId: string, status: Exclude<CancelStatus, "requested">, at: string): Promise<void> {
  await updateState<CancelRequest>(state, stateKeys.cancelRequest(runId), (current) =>
    current && statusOf(current) !== "cancelled" ? { ...current, status, resolvedAt: at } : undefined,
  );
}

export function statusOf(request: CancelRequest): CancelStatus {
  return request.status ?? "cancelled";
}

/** The cancel requests of these runs, by run id (one listing, then a read per run that has one). */
export async function cancelRequestsOf(state: StateStore, runs: readonly Pick<Run, "id">[]): Promise<Map<string, CancelRequest>> {
  if (runs.length === 0) return new Map();
  const present = new Set(await state.list(stateKeys.cancelRequestsPrefix()));
  const withRequest = runs.filter((run) => present.has(stateKeys.cancelRequest(run.id)));
  const found = await mapConcurrent(withRequest, STATE_CONCURRENCY, async (run) => (await state.get<CancelRequest>(stateKeys.cancelRequest(run.id)))?.value);
  return new Map(withRequest.flatMap((run, index) => (found[index] ? [[run.id, found[index]] as [string, CancelRequest]] : [])));
}

/** Ids of the runs whose cancel Amigo accepted. */
export async function cancelledRuns(state: StateStore, runs: readonly Pick<Run, "id">[]): Promise<Set<string>> {
  const requests = await cancelRequestsOf(state, runs);
  return new Set([...requests].filter(([, request]) => statusOf(request) === "cancelled").map(([runId]) => runId));
}
