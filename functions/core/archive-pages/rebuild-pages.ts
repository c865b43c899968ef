/**
 * `simwatch archive rebuild-pages`: the pages for runs archived before simwatch wrote them (or
 * after they were lost), from each run folder's run.json, oldest first within each set so the
 * trends read as they happened. Resumable: it saves the last run.json it finished in state and a
 * second start goes on from there; a run done twice is listed once.
 */
import type { Run } from "../model/amigo-model.js";
import { stateKeys } from "../idempotency/state-keys.js";
import type { RunSummary } from "../summary/summary-model.js";
import { type PagesOptions, publishPendingPages, writeReport } from "./publish-pages.js";
import type { ArchivedArtifact, MissingArtifact } from "./report-page.js";

export interface RebuildProgress {
  /** The last run.json key whose pages are published. */
  after: string;
  runs: number;
  finished?: boolean;
}

export interface RebuildOptions extends PagesOptions {
  /** A line of progress for a person (every `every` runs, and at the end). */
  say: (line: string) => void;
  every?: number;
  /** Start over instead of going on from the saved progress. */
  restart?: boolean;
}

export class RebuildUnsupported extends Error {
  override readonly name = "RebuildUnsupported";
}

interface ArchivedRunJson extends Run {
  simwatch?: { summary?: RunSummary; artifacts?: ArchivedArtifact; size?: number; sha256?: string; archived_at?: string; artifacts_failed?: { reason: string; failed_at?: string } };
}

const RUN_JSON = /^([0-9a-f]{24})\/([0-9a-f]{24})\/run\.json$/;
const SAVE_EVERY = 25;

export async function rebuildPages(options: RebuildOptions): Promise<RebuildProgress> {
  const { archive, state, archivePrefix } = options;
  if (!archive.listKeys) throw new RebuildUnsupported("this archive store cannot list its keys");
  // What a killed rebuild (or archiver) left half done first.
  await publishPendingPages(options);
  const saved = options.restart ? undefined : await state.get<RebuildProgress>(stateKeys.pagesRebuild());
  let progress: RebuildProgress = saved && !saved.value.finished ? saved.value : { after: "", runs: 0 };
  if (progress.runs > 0) options.say(`Going on after ${progress.runs} runs (${progress.after}).`);
  let artifactOfFolder: { folder: string; file: string } | undefined;
  for await (const key of archive.listKeys(archivePrefix, progress.after || undefined)) {
    const relative = key.slice(archivePrefix.length);
    const name = relative.slice(relative.lastIndexOf("/") + 1);
    const folder = relative.slice(0, relative.lastIndexOf("/") + 1);
    if (name.startsWith("artifacts")) artifactOfFolder = { folder, file: name };
    if (!RUN_JSON.test(relative)) continue;
    const published = await rebuildRun(options, key, artifactOfFolder?.folder === folder ? artifactOfFolder.file : undefined);
    progress = { after: key, runs: progress.runs + (published ? 1 : 0) };
    if (published && progress.runs % (options.every ?? SAVE_EVERY) === 0) {
      await saveProgress(options, progress);
      options.say(`${progress.runs} runs done (last ${relative.slice(0, -"/run.json".length)}).`);
    }
  }
  progress = { ...progress, finished: true };
  await saveProgress(options, progress);
  options.say(`Pages rebuilt: ${progress.runs} runs.`);
  return progress;
}

async function saveProgress(options: PagesOptions, progress: RebuildProgress): Promise<void> {
  const key = stateKeys.pagesRebuild();
  const current = await options.state.get<RebuildProgress>(key);
  if (current) await options.state.replace(key, progress, current.etag);
  else await options.state.create(key, progress);
}

/** One run's report and indexes from its run.json; false when run.json is not one simwatch wrote. */
async function rebuildRun(options: RebuildOptions, key: string, artifactFile: string | undefined): Promise<boolean> {
  const text = await options.archive.getText(key);
  let run: ArchivedRunJson;
  try {
    run = JSON.parse(text ?? "") as ArchivedRunJson;
  } catch {
    options.say(`Skipped ${key}: not JSON.`);
    return false;
  }
  const summary = run.simwatch?.summary;
  if (!summary?.runId || !summary.setId) {
    options.say(`Skipped ${key}: no simwatch summary in it.`);
    return false;
  }
  const block = run.simwatch ?? {};
  const artifacts: ArchivedArtifact | MissingArtifact = block.artifacts_failed
    ? { failed: block.artifacts_failed.reason }
    : (block.artifacts ?? { file: artifactFile ?? "artifacts.bin", size: block.size ?? 0, sha256: block.sha256 ?? "" });
  const archivedAt = block.archived_at ?? block.artifacts_failed?.failed_at ?? summary.finishedAt ?? summary.createdAt;
  await writeReport(options, { summary, run, artifacts, archivedAt });
  await publishPendingPages(options);
  return true;
}
