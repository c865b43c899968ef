/**
 * The archive's pages: S3 requests to update them per archived run at 10, 1,000 and 10,000
 * archived runs of one set (counted on the folder store, one count per request an S3 store
 * sends), and a big report's size and render time.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSystemArchiveStore } from "../functions/archive/fs-archive-store.js";
import { FileSystemStateStore } from "../functions/archive/fs-state-store.js";
import { entryOf, type SetHead, withRun, withSet } from "../functions/core/archive-pages/publish-pages.js";
import { renderReport } from "../functions/core/archive-pages/report-page.js";
import { stateKeys } from "../functions/core/idempotency/state-keys.js";
import { counting, noRequests, total } from "../test/support/counting-stores.js";
import { archivePages, nthSummary, pagesOptions } from "../test/support/pages-fixtures.js";
import { reportInput } from "../test/support/report-fixtures.js";
import { SET_ID } from "../test/support/summary-fixtures.js";
import { percentile, type Say } from "./figures.js";

/** A set's page state as `runs` archived runs leave it (the same pure steps the archiver takes). */
async function seeded(runs: number) {
  const root = await mkdtemp(join(tmpdir(), "simwatch-pages-bench-"));
  const archive = new FileSystemArchiveStore({ root });
  const state = new FileSystemStateStore({ root });
  let head: SetHead | undefined;
  for (let n = 0; n < runs; n++) {
    const summary = nthSummary(n);
    head = withRun(head, { setId: SET_ID, setName: summary.setName, entry: entryOf(summary, summary.createdAt) }) ?? head;
  }
  if (head) {
    await state.create(stateKeys.pagesSetHead(SET_ID), head);
    await state.create(stateKeys.pagesArchive(), withSet(undefined, head));
  }
  return { archive, state };
}

async function requestsPerRun(runs: number): Promise<{ requests: number; detail: string }> {
  const { archive, state } = await seeded(runs);
  const counts = noRequests();
  const samples = 5;
  for (let i = 0; i < samples; i++) await archivePages(pagesOptions(counting(archive, counts), counting(state, counts)), runs + i);
  const per = (value: number) => (value / samples).toFixed(1);
  return { requests: total(counts) / samples, detail: `reads ${per(counts.reads)}, writes ${per(counts.writes)}, deletes ${per(counts.deletes)}, lists ${per(counts.lists)}` };
}

export async function runPagesBench(say: Say): Promise<void> {
  for (const runs of [10, 1_000, 10_000]) {
    const { requests, detail } = await requestsPerRun(runs);
    say(`pages: archiving one more run of a set with ${runs.toLocaleString("en-US")} archived runs takes ${requests} store requests (${detail})`);
  }
  const input = reportInput({ failing: 60, passing: 0, repetitions: 5, metrics: 4, justificationChars: 10_000 });
  const times: number[] = [];
  let size = 0;
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    size = Buffer.byteLength(renderReport(input, "2026-12-01T00:00:00Z"));
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  say(`pages: report of 60 failing unit tests x 5 repetitions x 4 metrics, 10,000-character justifications (${60 * 6} of them): ${(size / 1024 / 1024).toFixed(2)} MiB, rendered in ${percentile(times, 50).toFixed(1)} ms (median of 20, p95 ${percentile(times, 95).toFixed(1)} ms)`);
}
