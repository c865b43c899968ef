/**
 * What a run's message says, decided from what simwatch knows about the run. The facts
 * are merged from events in any order (Run Started, Run Finished, Run Archived), so the
 * card is always rendered from the whole record, never patched.
 */
import { runReportUrl } from "../archiver/archive-links.js";
import type { UserInfo } from "../model/amigo-model.js";
import type { ArchiveFacts, Owner, Person, RunAction, RunCard, WhyItFailed } from "../chat.js";
import type { RunOwners } from "./owners.js";
import type { Mention } from "../commands/commands.js";
import type { SlackOrigin } from "../events.js";
import { JUSTIFICATION_KEPT } from "../summary/judge-pages.js";
import type { FailingUnitTest, RunSummary, Tag } from "../summary/summary-model.js";
import type { Verdict } from "../model/verdict.js";

/** At most this many failing unit tests in the message itself; the rest go to a thread reply. */
export const FAILURES_INLINE = 10;

/** Everything known about one run, kept in state at stateKeys.runCard(runId). */
export interface RunFacts {
  runId: string;
  setId: string;
  setName?: string;
  createdAt?: string;
  creator?: UserInfo;
  origin?: SlackOrigin;
  verdict: Verdict;
  summary?: RunSummary;
  archive?: ArchiveFacts;
  /** The set's Amigo tags as Run Started carried them (the summary's, once there is one, win). */
  tags?: Tag[];
}

const FINAL: ReadonlySet<Verdict> = new Set(["passed", "failed", "errored", "cancelled"]);

/**
 * How much of each text from Amigo a run's facts keep: more than any message shows (the
 * renderers cut further), far less than a summary may carry (run errors are not cut by the
 * poller). The whole text stays in the archive; the facts are read and rewritten per event.
 */
export const FACTS_TEXT_KEPT = { justification: JUSTIFICATION_KEPT, runError: 1000, name: 1000, note: 2000 } as const;

function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = text.slice(0, max);
  const last = head.charCodeAt(max - 1);
  return last >= 0xd800 && last <= 0xdbff ? head.slice(0, -1) : head;
}

function keptTest(test: FailingUnitTest): FailingUnitTest {
  return {
    ...test,
    name: cut(test.name, FACTS_TEXT_KEPT.name),
    runErrors: test.runErrors.map((message) => cut(message, FACTS_TEXT_KEPT.runError)),
    failingMetrics: test.failingMetrics.map((metric) =>
      metric.reasons ? { ...metric, reasons: metric.reasons.map((reason) => ({ ...reason, justification: cut(reason.justification, FACTS_TEXT_KEPT.justification) })) } : metric,
    ),
  };
}

/** The summary as a run's facts keep it: every test, error and reason, each text cut to FACTS_TEXT_KEPT. */
export function summaryForMessages(summary: RunSummary): RunSummary {
  const { unitTestNames: _onlyForTheArchive, ...rest } = summary;
  return {
    ...rest,
    failingUnitTests: summary.failingUnitTests.map(keptTest),
    runErrors: summary.runErrors.map((entry) => ({ ...entry, unitTestName: cut(entry.unitTestName, FACTS_TEXT_KEPT.name), message: cut(entry.message, FACTS_TEXT_KEPT.runError) })),
    notes: summary.notes.map((note) => cut(note, FACTS_TEXT_KEPT.note)),
  };
}

/** Whether a summary still lacks a part another one has: the poller sent the verdict before reading it. */
function lacksWhatOtherHas(summary: RunSummary, other: RunSummary): boolean {
  const awaited = new Set(other.awaiting ?? []);
  return (summary.awaiting ?? []).some((part) => !awaited.has(part));
}

/**
 * Merges newer facts into older ones; a final verdict is never replaced by "running", and a
 * summary is never replaced by one that still awaits a part it has (a late, redelivered Run
 * Finished of the verdict-first kind).
 */
export function mergeFacts(old: RunFacts | undefined, update: Partial<RunFacts> & Pick<RunFacts, "runId" | "setId">): RunFacts {
  const base: RunFacts = old ?? { runId: update.runId, setId: update.setId, verdict: "running" };
  const merged: RunFacts = { ...base };
  for (const [key, value] of Object.entries(update) as [keyof RunFacts, RunFacts[keyof RunFacts]][]) {
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  if (FINAL.has(base.verdict) && !FINAL.has(merged.verdict)) merged.verdict = base.verdict;
  if (base.summary && merged.summary && lacksWhatOtherHas(merged.summary, base.summary)) merged.summary = base.summary;
  return merged;
}

/** The judge's reasons are still being read for this run's summary. */
export function awaitingReasons(facts: RunFacts): boolean {
  return facts.summary?.awaiting?.includes("reasons") ?? false;
}

export function isFailure(verdict: Verdict): boolean {
  return verdict === "failed" || verdict === "errored";
}

export function startedByOf(facts: RunFacts): Person | undefined {
  if (facts.origin) return { slackUserId: facts.origin.userId, ...(facts.origin.scheduled ? { schedule: facts.origin.scheduled } : {}) };
  const creator = facts.summary?.creator ?? facts.creator;
  return creator ? { amigoUser: creator } : undefined;
}

function setNameOf(facts: RunFacts): string {
  const summary = facts.summary;
  return summary?.setName && summary.setName !== facts.setId ? summary.setName : facts.setName ?? summary?.setName ?? facts.setId;
}

/** The set's tags: the summary's (the latest look-up), else Run Started's. */
export function tagsOf(facts: RunFacts): Tag[] | undefined {
  return facts.summary?.tags ?? facts.tags;
}

/**
 * The run's message for one channel: `mention` when that channel asked to be pinged on failure,
 * `owners` (owners.ts) shown when the run failed, the set's on the failure line.
 */
export function buildRunCard(facts: RunFacts, options: { mention?: Mention; owners?: RunOwners; archiveWebUrl?: string } = {}): RunCard {
  const summary = facts.summary;
  const verdict = summary && FINAL.has(summary.verdict) ? summary.verdict : facts.verdict;
  const setName = setNameOf(facts);
  const failing = summary?.failingUnitTests ?? [];
  const startedBy = startedByOf(facts);
  const actions: RunAction[] = [{ kind: "rerun", setId: facts.setId, label: "Re-run" }];
  if (verdict === "running") actions.push({ kind: "cancel", runId: facts.runId, label: "Cancel" });
  if (facts.archive && !facts.archive.failure) {
    actions.push({ kind: "download", runId: facts.runId, setId: facts.setId, key: facts.archive.key, label: "Download artifacts" });
  }
  const createdAt = summary?.createdAt ?? facts.createdAt;
  return {
    runId: facts.runId,
    setId: facts.setId,
    setName,
    verdict,
    ...(startedBy ? { startedBy } : {}),
    ...(createdAt ? { createdAt } : {}),
    ...(summary?.durationSeconds !== undefined ? { durationSeconds: summary.durationSeconds } : {}),
    ...(summary ? { unitTests: summary.unitTests, metricEvaluations: summary.metricEvaluations } : {}),
    runErrors: summary?.runErrors ?? [],
    failingUnitTests: failing.slice(0, FAILURES_INLINE),
    moreFailing: Math.max(0, failing.length - FAILURES_INLINE),
    whyInThread: awaitingReasons(facts) || whyItFailed(facts, { ...(options.owners ? { owners: options.owners } : {}) }) !== undefined,
    awaitingReasons: isFailure(verdict) && awaitingReasons(facts),
    ...(summary?.diff ? { diff: summary.diff } : {}),
    flaky: summary?.flaky ?? [],
    ...(summary?.trend ? { trend: summary.trend } : {}),
    notes: summary?.notes ?? [],
    ...(facts.archive ? { archive: facts.archive } : {}),
    // Once archived, the report is there to open (whatever became of the artifact file itself).
    ...(facts.archive && options.archiveWebUrl ? { reportUrl: runReportUrl(options.archiveWebUrl, facts.setId, facts.runId) } : {}),
    ...(options.mention && isFailure(verdict) ? { mention: options.mention } : {}),
    ...(options.owners && options.owners.set.length > 0 && isFailure(verdict) ? { owners: options.owners.set } : {}),
    actions,
  };
}

/**
 * The "Why it failed" thread reply: every failing unit test with all the judge's reasons, and
 * its owners next to it. Only when it adds to the message: some reason is known, some failing
 * test has an owner to mention, or not every failing test fits in it; not while the judge's
 * reasons are still being read (a later Run Finished brings them).
 */
export function whyItFailed(facts: RunFacts, options: { owners?: RunOwners; archiveWebUrl?: string } = {}): WhyItFailed | undefined {
  const { owners } = options;
  const summary = facts.summary;
  const failing = summary?.failingUnitTests ?? [];
  const hasReasons = failing.some((test) => test.failingMetrics.some((metric) => (metric.reasons?.length ?? 0) > 0));
  const testOwners: Record<string, Owner[]> = {};
  for (const test of failing) {
    const found = owners?.unitTests[test.unitTestId];
    if (found && found.length > 0) testOwners[test.unitTestId] = found;
  }
  const hasOwners = Object.keys(testOwners).length > 0;
  // Owners shown as text alone (a broadcast, an unknown handle) notify nobody: no reply for them.
  const mentions = Object.values(testOwners).some((found) => found.some((owner) => "mention" in owner));
  if (!summary || awaitingReasons(facts) || (!hasReasons && !mentions && failing.length <= FAILURES_INLINE)) return undefined;
  return {
    runId: facts.runId,
    setName: setNameOf(facts),
    failingUnitTests: failing,
    notes: summary.notes,
    ...(hasOwners ? { owners: testOwners } : {}),
    // The reply is posted once, maybe before the run is archived: the link is stable, the report follows.
    ...(options.archiveWebUrl ? { reportUrl: runReportUrl(options.archiveWebUrl, facts.setId, facts.runId) } : {}),
  };
}
