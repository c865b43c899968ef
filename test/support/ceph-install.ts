/**
 * Makes sure Ceph's daemons are installed: on a fresh Debian/Ubuntu machine running as root
 * (CI), installs them with apt-get; anywhere else, explains how to provide an S3 server.
 */
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withFileLock } from "../../functions/archive/fs-lock.js";
import { CommandError, findExecutable, run } from "./processes.js";

export const CEPH_COMMANDS = ["ceph-mon", "ceph-osd", "radosgw", "radosgw-admin", "ceph", "ceph-authtool", "monmaptool"] as const;
export type CephCommand = (typeof CEPH_COMMANDS)[number];
export type CephPaths = Record<CephCommand, string>;

const PACKAGES = ["radosgw", "ceph-mon", "ceph-osd"];

export class S3ServerUnavailable extends Error {
  override readonly name = "S3ServerUnavailable";
}

const HOW_TO_PROVIDE = [
  "The S3 integration tests need a real S3 server. Either:",
  `  - install Ceph's RADOS Gateway: sudo apt-get install -y --no-install-recommends ${PACKAGES.join(" ")}`,
  "    (the tests then start a throwaway single-node cluster on loopback by themselves), or",
  "  - point them at an S3-compatible server you run yourself:",
  "      S3_TEST_ENDPOINT=http://127.0.0.1:9000 S3_TEST_ACCESS_KEY_ID=... S3_TEST_SECRET_ACCESS_KEY=... npm test",
  "    (it must enforce conditional writes: If-None-Match: * and If-Match).",
].join("\n");

function locate(): { found: Partial<CephPaths>; missing: CephCommand[] } {
  const found: Partial<CephPaths> = {};
  const missing: CephCommand[] = [];
  for (const command of CEPH_COMMANDS) {
    const path = findExecutable(command);
    if (path) found[command] = path;
    else missing.push(command);
  }
  return { found, missing };
}

function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

async function aptInstall(log: (line: string) => void): Promise<void> {
  const apt = findExecutable("apt-get");
  if (!apt) throw new S3ServerUnavailable(`Ceph is not installed and this machine has no apt-get.\n${HOW_TO_PROVIDE}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive", NEEDRESTART_MODE: "a" };
  const lockWait = ["-o", "DPkg::Lock::Timeout=300"];
  const logFile = join(tmpdir(), "simwatch-ceph-install.log");
  log(`Installing ${PACKAGES.join(", ")} with apt-get (once per machine, ~20 s); output in ${logFile}`);
  try {
    const update = await run(apt, [...lockWait, "update", "-q"], { timeoutMs: 300_000, env });
    const install = await run(
      apt,
      [...lockWait, "install", "-y", "-q", "--no-install-recommends", ...PACKAGES],
      { timeoutMs: 600_000, env },
    );
    writeFileSync(logFile, `${update}\n${install}`);
  } catch (error) {
    const detail = error instanceof CommandError ? error.message : String(error);
    writeFileSync(logFile, detail);
    throw new S3ServerUnavailable(`Installing Ceph with apt-get failed:\n${detail}\n\n${HOW_TO_PROVIDE}`);
  }
}

/** Paths of the Ceph commands, installing the packages first when that is possible. */
export async function ensureCephInstalled(log: (line: string) => void): Promise<CephPaths> {
  let { found, missing } = locate();
  if (missing.length > 0) {
    if (!isRoot()) {
      throw new S3ServerUnavailable(`Ceph is not installed (missing: ${missing.join(", ")}), and installing it needs root.\n${HOW_TO_PROVIDE}`);
    }
    // One installer at a time across concurrent test runs; the others find it installed.
    const lock = { timeoutMs: 15 * 60_000, staleMs: 20 * 60_000 };
    ({ found, missing } = await withFileLock(join(tmpdir(), "simwatch-ceph-install"), "ceph install", lock, async () => {
      if (locate().missing.length > 0) await aptInstall(log);
      return locate();
    }));
    if (missing.length > 0) {
      throw new S3ServerUnavailable(`apt-get ran, but these are still missing: ${missing.join(", ")}.\n${HOW_TO_PROVIDE}`);
    }
  }
  return found as CephPaths;
}
