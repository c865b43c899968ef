/**
 * A large download resumes after a kill (#21): a real `simwatch poll` (its own process group,
 * folder archive) is SIGKILLed in the middle of a run's artifact file, its progress saved after
 * the parts it stored; the next `simwatch poll` (the bus journal hands it the Artifacts Ready the
 * dead one never finished) asks for the rest with HTTP Range from the last stored part, and the
 * archived file is byte for byte the one Amigo served (sha256), with no partial file left.
 * Against the embedded simulator over loopback, its downloads slowed so the kill lands mid-file.
 */
import { describe, expect, it } from "vitest";
import { killMidDownload } from "../support/download-kills.js";

const MIB = 1024 * 1024;

describe("a large download killed half-way", () => {
  it("resumes with HTTP Range from the last stored part and archives the file byte for byte", { timeout: 120_000 }, async () => {
    const kill = await killMidDownload({ fileBytes: 64 * MIB, killAfterStoredBytes: 16 * MIB, throttleBytesPerSecond: 8 * MIB });
    expect(kill.storedAtKill, kill.output).toBeGreaterThanOrEqual(16 * MIB);
    expect(kill.storedAtKill).toBeLessThan(kill.fileBytes);
    expect(kill.partialsAtKill).toHaveLength(1);

    expect(kill.problems, kill.output).toEqual([]);
    expect(kill.downloads.map((request) => [request.status, request.range])).toEqual([
      [200, undefined],
      [206, `bytes=${kill.storedAtKill}-`],
    ]);
    // Only what arrived after the last stored part was downloaded twice.
    expect(kill.servedInAll - kill.fileBytes).toBe(kill.servedBeforeKill - kill.storedAtKill);
    expect(kill.leftovers).toEqual([]);
  });
});
