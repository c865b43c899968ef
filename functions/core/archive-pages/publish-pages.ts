/**
 * Keeping the archive's pages current, a handful of requests per archived run whatever the
 * archive's size (nothing is listed but the few runs still pending):
 *
 * 1. `writeReport`, before the run counts as archived: report.html (its trend from the set's
 *    runs so far), then a pending note in state naming the run's entry.
 * 2. `publishPendingPages`, after it (and on every archive and local poll tick): for each pending
 *    run, add it to its set's head in state (a conditional write, so two archivers finishing
 *    runs of one set are both kept), write the set's index.html (and, when 200 runs filled a
 *    page, that older page), add the set to the archive's manifest and write index.html, then
 *    drop the note. A page is written from a version of the state and read back: if the state
 *    moved meanwhile, the page is written again, so the last page written shows the last state.
 *
 * A process killed anywhere leaves the note (or no archived marker at all), and whoever comes
 * next does the rest; doing a step twice changes nothing. With no note pending, nothing is written.
 */
import type { Logger } from "../log.js";
import type { Run } from "../model/amigo-model.js";
import { archiveKeys, stateKeys } from "../idempotency/state-keys.js";
import { updateState } from "../idempotency/state-update.js";
import type { ArchiveStore, Clock, StateStore, Versioned } from "../ports.js";
import type { RunSummary } from "../summary/summary-model.js";
import { renderArchiveIndex, renderSetPage } from "./index-pages.js";
import { newestFirst, type RunEntry, RUNS_PER_PAGE, type SetListing, setPageFile, TREND_RUNS } from "./pages-model.js";
import { type ArchivedArtifact, type MissingArtifact, renderReport } from "./report-page.js";

export interface PagesOptions {
  archive: ArchiveStore;
  state: StateStore;
  clock: Clock;
  logger: Logger;
  archivePrefix: string;
}

/** A set's pages in state: runs since the last full page, the last full page's runs, how many pages are full. */
export interface SetHead {
  setId: string;
  setName: string;
  open: RunEntry[];
  previous: RunEntry[];
  sealed: number;
  /** The run whose arrival filled the last full page (it writes that page). */
  sealedBy?: string;
  runs: number;
}

export interface ArchiveManifest {
  sets: Record<string, SetListing>;
}

export interface PendingPages {
  setId: string;
  setName: string;
  entry: RunEntry;
}

/** How many runs the archive's index charts per set. */
const INDEX_TREND_RUNS = 10;
const HTML = "text/html; charset=utf-8";
const ATTEMPTS = 8;

export function entryOf(summary: RunSummary, archivedAt: string): RunEntry {
  const counts = summary.unitTests ? { passed: summary.unitTests.passed, total: summary.unitTests.total } : {};
  return { runId: summary.runId, createdAt: summary.createdAt, verdict: summary.verdict, ...counts, archivedAt };
}

/** The runs a set's head lists, newest first. */
export function listedRuns(head: SetHead): RunEntry[] {
  return [...head.open, ...head.previous].sort(newestFirst);
}

/** The last `count` runs, oldest first, with `extra` among them when the head does not have it yet. */
export function trendOf(head: SetHead | undefined, extra?: RunEntry, count = TREND_RUNS): RunEntry[] {
  const runs = head ? listedRuns(head) : [];
  if (extra && !runs.some((entry) => entry.runId === extra.runId)) runs.push(extra);
  return runs.sort(newestFirst).slice(0, count).reverse();
}

/** The head with the run added (filling a page when it holds RUNS_PER_PAGE new runs); undefined when it is there already. */
export function withRun(head: SetHead | undefined, pending: PendingPages): SetHead | undefined {
  const current: SetHead = head ?? { setId: pending.setId, setName: pending.setName, open: [], previous: [], sealed: 0, runs: 0 };
  if (listedRuns(current).some((entry) => entry.runId === pending.entry.runId)) return undefined;
  const { sealedBy: _, ...rest } = current;
  const open = [...current.open, pending.entry];
  if (open.length < RUNS_PER_PAGE) return { ...rest, setName: pending.setName, open, runs: current.runs + 1 };
  return { ...rest, setName: pending.setName, open: [], previous: open.sort(newestFirst), sealed: current.sealed + 1, sealedBy: pending.entry.runId, runs: current.runs + 1 };
}

/** The manifest with the set as its head lists it; undefined when that is what it says already. */
export function withSet(manifest: ArchiveManifest | undefined, head: SetHead): ArchiveManifest | undefined {
  const runs = listedRuns(head);
  const latest = runs[0];
  if (!latest) return undefined;
  const listing: SetListing = { setId: head.setId, setName: head.setName, latest, trend: runs.slice(0, INDEX_TREND_RUNS).reverse(), runs: head.runs };
  const sets = manifest?.sets ?? {};
  if (JSON.stringify(sets[head.setId]) === JSON.stringify(listing)) return undefined;
  return { sets: { ...sets, [head.setId]: listing } };
}

/** Step 1: the run's report, then the note that its set's page and the archive's index are due. */
export async function writeReport(
  options: PagesOptions,
  input: { summary: RunSummary; run?: Pick<Run, "unit_test_run_specs" | "unit_test_run_results">; artifacts: ArchivedArtifact | MissingArtifact; archivedAt: string },
): Promise<PendingPages> {
  const { summary } = input;
  const pending: PendingPages = { setId: summary.setId, setName: summary.setName, entry: entryOf(summary, input.archivedAt) };
  const head = await options.state.get<SetHead>(stateKeys.pagesSetHead(summary.setId));
  const report = renderReport({ ...input, trend: trendOf(head?.value, pending.entry) }, options.clock.now().toISOString());
  await options.archive.putText(archiveKeys.report(options.archivePrefix, summary.setId, summary.runId), report, HTML);
  await options.state.create(stateKeys.pagesPending(summary.runId), pending);
  return pending;
}

/** Step 2 for every pending run; returns how many it published. */
export async function publishPendingPages(options: PagesOptions): Promise<number> {
  const keys = await options.state.list(stateKeys.pagesPendingPrefix());
  let published = 0;
  for (const key of keys.sort()) {
    const pending = await options.state.get<PendingPages>(key);
    if (!pending) continue;
    await publishIndexes(options, pending.value);
    await options.state.delete(key);
    published++;
  }
  if (published > 0) options.logger.info("pages.published", { runs: published });
  return published;
}

async function publishIndexes(options: PagesOptions, pending: PendingPages): Promise<void> {
  const { state, archive, archivePrefix } = options;
  const generatedAt = options.clock.now().toISOString();
  const headKey = stateKeys.pagesSetHead(pending.setId);
  const added = await updateState<SetHead>(state, headKey, (head) => withRun(head, pending));
  // The run that filled a page writes it; a second pass over the same run (after a crash) writes it again.
  if (added.value && added.value.sealed > 0 && (!added.written || added.value.sealedBy === pending.entry.runId)) {
    const head = added.value;
    const page = renderSetPage({ setId: head.setId, setName: head.setName, runs: head.previous, trend: trendOf({ ...head, open: [] }), pageNumber: head.sealed + 1, olderPages: head.sealed }, generatedAt);
    await archive.putText(archiveKeys.setPage(archivePrefix, head.setId, setPageFile(head.sealed + 1)), page, HTML);
  }
  const head = await writeUntilCurrent<SetHead>(state, headKey, (value) =>
    archive.putText(
      archiveKeys.setPage(archivePrefix, value.setId),
      renderSetPage({ setId: value.setId, setName: value.setName, runs: listedRuns(value).slice(0, RUNS_PER_PAGE), trend: trendOf(value), pageNumber: 1, olderPages: value.sealed }, generatedAt),
      HTML,
    ),
  );
  if (!head) return;
  await updateState<ArchiveManifest>(state, stateKeys.pagesArchive(), (manifest) => withSet(manifest, head));
  await writeUntilCurrent<ArchiveManifest>(state, stateKeys.pagesArchive(), (manifest) =>
    archive.putText(archiveKeys.archiveIndex(archivePrefix), renderArchiveIndex(Object.values(manifest.sets), generatedAt), HTML),
  );
}

/**
 * Writes the page of the state's current version, then reads the state again: when another
 * writer changed it meanwhile, writes again. Whoever writes last has read the last version.
 */
async function writeUntilCurrent<T>(state: StateStore, key: string, write: (value: T) => Promise<unknown>): Promise<T | undefined> {
  let written: Versioned<T> | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await state.get<T>(key);
    if (!current || current.etag === written?.etag) return current?.value;
    await write(current.value);
    written = current;
  }
  return written?.value;
}
