/**
 * The Download artifacts button: a link to the run's archived artifact file, presigned when
 * clicked and valid a few minutes, so no link in a channel ever goes stale. The button's key
 * is only linked when it is a file directly in that run's folder of the archive.
 */
import { type ChatMessage, say } from "../../chat.js";
import type { DownloadCommand } from "../../events.js";
import { archiveKeys } from "../../idempotency/state-keys.js";
import type { CommandContext } from "./context.js";

export function isInRunFolder(archivePrefix: string, command: Pick<DownloadCommand, "setId" | "runId" | "key">): boolean {
  const folder = archiveKeys.folder(archivePrefix, command.setId, command.runId);
  const name = command.key.slice(folder.length);
  return command.key.startsWith(folder) && name !== "" && !name.includes("/") && !command.key.includes("..");
}

export async function downloadLink(ctx: CommandContext, command: DownloadCommand): Promise<ChatMessage> {
  const { archive, archivePrefix } = ctx.deps;
  const { runId, key } = command;
  if (!archive || !isInRunFolder(archivePrefix, command)) {
    return say("error", ["That download button does not point into this run's archive folder."]);
  }
  if (!archive.presignDownload) return say("info", ["The artifacts of run ", { code: runId }, " are archived at ", { code: archive.locationOf(key) }, "."]);
  const seconds = ctx.deps.downloadLinkSeconds ?? 300;
  const url = await archive.presignDownload(key, seconds);
  if (!url) return say("warning", ["The artifacts of run ", { code: runId }, " are no longer in the archive (", { code: archive.locationOf(key) }, ")."]);
  const minutes = Math.max(1, Math.round(seconds / 60));
  return say("info", [{ link: { url, label: "Download the artifacts" } }, " of run ", { code: runId }, ` (link valid for ${minutes} minute${minutes === 1 ? "" : "s"}).`]);
}
