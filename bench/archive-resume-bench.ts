/**
 * Resume after a kill (#21): a real `simwatch poll` SIGKILLed at a quarter, half and nine
 * tenths of a 256 MiB artifact file (folder archive, 8 MiB parts), then polled again to the
 * end. Prints the bytes downloaded a second time with resume (what arrived after the last stored
 * part) next to what a restart from byte 0 would have downloaded again (everything that had
 * arrived before the kill), and whether the archived file was byte for byte Amigo's.
 */
import { killMidDownload } from "../test/support/download-kills.js";

const MIB = 1024 * 1024;
const FILE_BYTES = 256 * MIB;
const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;

export async function runArchiveResumeBench(say: (line: string) => void): Promise<void> {
  say(`resume after a kill: ${mib(FILE_BYTES)} artifact, folder archive, 8 MiB parts, downloads held to 32 MiB/s until the kill`);
  for (const share of [0.25, 0.5, 0.9]) {
    const kill = await killMidDownload({ fileBytes: FILE_BYTES, killAfterStoredBytes: Math.round(FILE_BYTES * share), throttleBytesPerSecond: 32 * MIB });
    const again = kill.servedInAll - kill.fileBytes;
    const intact = kill.problems.length === 0 && kill.leftovers.length === 0 ? "byte for byte" : `PROBLEMS: ${[...kill.problems, ...kill.leftovers].join("; ")}`;
    say(
      `  killed with ${mib(kill.servedBeforeKill)} sent by Amigo, ${mib(kill.storedAtKill)} stored: downloaded again ${mib(again)} with resume, ${mib(kill.servedBeforeKill)} without; archive ${intact}`,
    );
  }
}
