/** What the archive's pages list: one entry per archived run, one listing per set. */
import type { Verdict } from "../model/verdict.js";

/** One archived run as the set's pages and trend show it. */
export interface RunEntry {
  runId: string;
  createdAt: string;
  verdict: Verdict;
  /** Unit tests that passed, of how many; absent when Amigo withheld them. */
  passed?: number;
  total?: number;
  archivedAt: string;
}

/** A set as the archive's index lists it: its name, latest run and trend. */
export interface SetListing {
  setId: string;
  setName: string;
  latest: RunEntry;
  /** The set's last runs, oldest first (at most TREND_RUNS). */
  trend: RunEntry[];
  /** How many runs its pages list. */
  runs: number;
}

/** How many runs a page's pass-rate trend shows. */
export const TREND_RUNS = 30;
/** How many runs a set's page lists; older runs are on pages of this many each. */
export const RUNS_PER_PAGE = 200;

/** Newest first: by creation time, then id (ids start with their creation time). */
export function newestFirst(a: RunEntry, b: RunEntry): number {
  return b.createdAt.localeCompare(a.createdAt) || b.runId.localeCompare(a.runId);
}

/** Relative file names of a set's pages: index.html, then index-2.html, index-3.html… for older runs. */
export function setPageFile(pageNumber: number): string {
  return pageNumber <= 1 ? "index.html" : `index-${pageNumber}.html`;
}
