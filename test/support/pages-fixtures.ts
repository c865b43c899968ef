/** Archived runs of one set for the pages' tests and bench: the report written, the indexes published. */
import { publishPendingPages, type PagesOptions, writeReport } from "../../functions/core/archive-pages/publish-pages.js";
import { silentLogger } from "../../functions/core/log.js";
import type { ArchiveStore, StateStore } from "../../functions/core/ports.js";
import type { Verdict } from "../../functions/core/model/verdict.js";
import { summary, SET_ID } from "./summary-fixtures.js";

export const PREFIX = "runs/";

export function pagesOptions(archive: ArchiveStore, state: StateStore): PagesOptions {
  return { archive, state, clock: { now: () => new Date("2026-12-01T00:00:00Z") }, logger: silentLogger, archivePrefix: PREFIX };
}

/** The n-th run of a set: an ObjectId whose time grows with n. */
export function nthRunId(n: number, setId = SET_ID): string {
  return (1_780_000_000 + n * 60).toString(16).padStart(8, "0") + setId.slice(-8) + n.toString(16).padStart(8, "0");
}

export function nthSummary(n: number, setId = SET_ID, setName = "Checkout flows") {
  const verdict: Verdict = n % 3 === 0 ? "failed" : "passed";
  return summary({ runId: nthRunId(n, setId), setId, setName, verdict, createdAt: new Date((1_780_000_000 + n * 60) * 1000).toISOString(), unitTests: { passed: verdict === "passed" ? 3 : 2, total: 3 }, failingUnitTests: verdict === "passed" ? [] : summary().failingUnitTests });
}

/** What the archiver does for the pages of one run: the report before its marker, the indexes after. */
export async function archivePages(options: PagesOptions, n: number, setId = SET_ID, setName?: string, publish = true): Promise<void> {
  const runSummary = nthSummary(n, setId, setName);
  await writeReport(options, { summary: runSummary, artifacts: { file: "artifacts.zip", size: 10, sha256: "0".repeat(64) }, archivedAt: runSummary.createdAt });
  if (publish) await publishPendingPages(options);
}
