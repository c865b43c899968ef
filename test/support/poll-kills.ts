/**
 * Killing a `simwatch poll` at a chosen point of its work, and telling from the outside what it
 * was doing when it died: the Amigo requests the simulator answered, the Slack calls the
 * stand-in received, the state markers written and the partial artifact files on disk, each with
 * its time. What happened in the moment before the kill names the phases it hit.
 */
import { join } from "node:path";
import type { LoggedRequest, SimEndpoint } from "../../functions/local/simulator/index.js";
import { ARCHIVE_PREFIX, stateWrittenSince, unfinishedFiles } from "./archive-audit.js";
import type { GroupProcess } from "./processes.js";
import { waitUntil, type Wiring } from "./simwatch-cli.js";
import type { StubCall } from "./slack-stub.js";

export const PHASES = ["start-up", "listing", "summarising", "publishing", "posting", "archiving"] as const;
export type Phase = (typeof PHASES)[number];

/**
 * Where a poll is killed: `ms` after it was spawned, after the simulator answered its first
 * request, after its first Slack call arrived, or after it began writing an artifact file.
 */
export type KillPoint = { after: "spawn" | "first Amigo answer" | "first Slack call" | "partial file"; ms: number };

export interface KillRecord {
  point: KillPoint;
  /** What the poll was doing when it died; undefined: it exited before the kill point. */
  phases?: Phase[];
  /** It died while writing an artifact file. */
  partialFile: boolean;
  /** From spawn to kill (or exit). */
  lifetimeMs: number;
}

interface Activity {
  /** Date.now() time. */
  at: number;
  phase: Phase;
}

const AMIGO_PHASES: Partial<Record<SimEndpoint, Phase>> = {
  listSets: "summarising",
  listUnitTests: "summarising",
  listMetricResults: "summarising",
  getArtifacts: "archiving",
  download: "archiving",
};

/**
 * The simulator logs a request when it answers it; one answered after the kill was in flight
 * when the process died, so it counts as activity at the moment of the kill.
 */
function amigoActivity(requests: readonly LoggedRequest[], killedAt: number): Activity[] {
  return requests.map((request) => ({ at: Math.min(Date.parse(request.at), killedAt), phase: AMIGO_PHASES[request.endpoint] ?? "listing" }));
}

/** Slack calls take effect when they arrive (the stand-in records them then). */
function slackActivity(calls: readonly StubCall[]): Activity[] {
  return calls.map((call) => ({ at: call.at, phase: "posting" }));
}

/** State the poller writes when it records or claims an event it is about to publish. */
function publishingActivity(written: readonly { path: string; at: number }[]): Activity[] {
  return written
    .filter(({ path }) => /\/outbox\/|\/done\/[^/]+\/(started|finished|artifacts-ready)$/.test(path))
    .map(({ at }) => ({ at, phase: "publishing" }));
}

/** Work within this long before the kill counts as what the process was doing (longer than the answer delays). */
const RECENT_MS = 500;

/**
 * What the process was doing at `at`: the phases of its activity in the moment before (several
 * when it was, say, posting while archiving), else of its last activity; "start-up" if none.
 */
export function phasesAt(activities: readonly Activity[], at: number): Phase[] {
  const before = activities.filter((activity) => activity.at <= at);
  if (before.length === 0) return ["start-up"];
  const recent = before.filter((activity) => activity.at >= at - RECENT_MS);
  const last = before.reduce((latest, activity) => (activity.at >= latest.at ? activity : latest));
  const phases = new Set((recent.length > 0 ? recent : [last]).map((activity) => activity.phase));
  return PHASES.filter((phase) => phases.has(phase));
}

/** Where the simulator's log, the stand-in's calls and the partial files stood when a poll was spawned. */
interface Mark {
  requests: number;
  calls: number;
  partialFiles: Set<string>;
}

const partialFiles = (wiring: Wiring) => unfinishedFiles(join(wiring.archiveDir, ARCHIVE_PREFIX));

async function mark(wiring: Wiring): Promise<Mark> {
  return { requests: wiring.sim.control.requests().length, calls: wiring.slack.calls.length, partialFiles: new Set(await partialFiles(wiring)) };
}

/** A partial artifact file begun since the mark (a killed poll's leftovers do not count). */
async function newPartialFile(wiring: Wiring, since: Mark): Promise<boolean> {
  return (await partialFiles(wiring)).some((file) => !since.partialFiles.has(file));
}

/** Resolves when `point` is reached, the process exits, or `capMs` after its spawn. */
async function reach(wiring: Wiring, poll: GroupProcess, point: KillPoint, before: Mark, capMs: number): Promise<void> {
  const started = async (): Promise<boolean> => {
    switch (point.after) {
      case "spawn":
        return true;
      case "first Amigo answer":
        return wiring.sim.control.requests().length > before.requests;
      case "first Slack call":
        return wiring.slack.calls.length > before.calls;
      case "partial file":
        return newPartialFile(wiring, before);
    }
  };
  let since: number | undefined;
  const atPoint = async (): Promise<boolean> => {
    if (since === undefined && (await started())) since = point.after === "spawn" ? poll.startedAt : Date.now();
    return since !== undefined && Date.now() - since >= point.ms;
  };
  await waitUntil(atPoint, { timeoutMs: poll.startedAt + capMs - Date.now(), everyMs: 10, stop: () => poll.exited !== undefined });
}

/** Starts a poll with `start`, SIGKILLs its process group at `point` (at the latest `capMs` after spawn) and says what it hit. */
export async function killPollAt(wiring: Wiring, start: () => GroupProcess, point: KillPoint, capMs: number): Promise<KillRecord> {
  const { sim, slack, archiveDir } = wiring;
  const before = await mark(wiring);
  const poll = start();
  await reach(wiring, poll, point, before, capMs);
  if (poll.exited) return { point, partialFile: false, lifetimeMs: poll.exited.at - poll.startedAt };
  const partialFile = await newPartialFile(wiring, before);
  const killedAt = Date.now();
  await poll.kill();
  // Requests in flight at the kill are answered (and logged) a moment later.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const phases = phasesAt(
    [
      ...amigoActivity(sim.control.requests().slice(before.requests), killedAt),
      ...slackActivity(slack.calls.slice(before.calls)),
      ...publishingActivity(await stateWrittenSince(archiveDir, poll.startedAt)),
    ],
    killedAt,
  );
  return {
    point,
    phases: partialFile && !phases.includes("archiving") ? [...phases, "archiving"] : phases,
    partialFile,
    lifetimeMs: killedAt - poll.startedAt,
  };
}

/** The figures of a series of kills, in one line. */
export function describeKills(kills: readonly KillRecord[]): string {
  const landed = kills.flatMap((kill) => (kill.phases ? [kill.phases] : []));
  const midWork = landed.filter((phases) => !phases.includes("start-up"));
  const tally = PHASES.map((phase) => [phase, midWork.filter((phases) => phases.includes(phase)).length] as const)
    .filter(([, count]) => count > 0)
    .map(([phase, count]) => `${phase} ${count}`)
    .join(", ");
  const each = kills.map((kill) => `${(kill.lifetimeMs / 1000).toFixed(1)} s ${kill.phases?.join("+") ?? "(exited first)"}`);
  return (
    `${landed.length} polls SIGKILLed (${kills.length - landed.length} exited before their kill point): ` +
    `${midWork.length} mid-work (${tally}; ${kills.filter((kill) => kill.partialFile).length} while writing an artifact), ` +
    `${landed.length - midWork.length} in start-up; each, after spawn: ${each.join(", ")}`
  );
}

/** How many kills landed after start-up. */
export const killsMidWork = (kills: readonly KillRecord[]) => kills.filter((kill) => kill.phases && !kill.phases.includes("start-up")).length;
