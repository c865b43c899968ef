/**
 * `/sim report [<set>|<run>]`: a link into the archive browser (ARCHIVE_WEB_URL), read only:
 * a run's report, a set's page of runs, or (nothing named) the archive's index. The links are
 * the browser's stable URLs (archive-links.ts), never presigned, so they can be shared and kept.
 */
import { archiveIndexUrl, runReportUrl, setPageUrl } from "../../archiver/archive-links.js";
import { type ChatMessage, say } from "../../chat.js";
import { isObjectId } from "../../model/object-id.js";
import { loadFacts } from "../../notifier/run-messages.js";
import type { CommandContext } from "./context.js";
import { lookUpSet } from "./set-lookup.js";

export async function report(ctx: CommandContext, target: string | undefined): Promise<ChatMessage> {
  const base = ctx.deps.archiveWebUrl;
  if (base === undefined) {
    return say("info", ["There is no archive browser here to link to (", { code: "ARCHIVE_WEB_URL" }, " is not set); ", { code: `${ctx.deps.commandWord} status` }, " shows how runs went."]);
  }
  if (target === undefined) return say("info", [{ link: { url: archiveIndexUrl(base), label: "The archive" } }, ": every set by name, its runs and their reports."]);
  if (isObjectId(target)) {
    const run = await runOf(ctx, target);
    if (run) return runReport(base, run);
  }
  const lookup = await lookUpSet(ctx, target);
  if (!lookup.ok) return isObjectId(target) ? say("warning", ["There is no run or set with id ", { code: target }, "."]) : lookup.reply;
  return say("info", [{ link: { url: setPageUrl(base, lookup.set.id), label: `The runs of ${lookup.set.name}` } }, " in the archive, newest first, each with its report."]);
}

interface RunInArchive {
  runId: string;
  setId: string;
  /** Known to be archived (the notifier's facts say so); undefined when only Amigo was asked. */
  archived?: boolean;
}

/** The run's set: from the facts the notifier keeps (no Amigo call), else from Amigo. */
async function runOf(ctx: CommandContext, runId: string): Promise<RunInArchive | undefined> {
  const kept = (await loadFacts(ctx.deps.state, runId))?.facts;
  if (kept) return { runId, setId: kept.setId, archived: kept.archive !== undefined };
  const [run] = await ctx.deps.amigo.getRuns([runId]);
  return run ? { runId, setId: run.simulation_unit_test_set_id } : undefined;
}

function runReport(base: string, run: RunInArchive): ChatMessage {
  const link = { link: { url: runReportUrl(base, run.setId, run.runId), label: "The report" } };
  if (run.archived === false) return say("info", ["Run ", { code: run.runId }, " is not archived yet. ", link, " will be there once it is."]);
  return say("info", [link, " of run ", { code: run.runId }, ": its unit tests, the judge's reasons, its artifact."]);
}
