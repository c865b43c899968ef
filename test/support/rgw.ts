/**
 * A throwaway Ceph RADOS Gateway on loopback: a single-node in-memory cluster (one
 * monitor, one memstore OSD, one gateway) in a temp folder, on free ports, with one
 * S3 user whose keys are fixed. Starts in about a second once Ceph is installed.
 */
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CephPaths, ensureCephInstalled } from "./ceph-install.js";
import { cephConf } from "./ceph-conf.js";
import { type Daemon, freePorts, killDaemon, run, startDaemon } from "./processes.js";
import type { S3TestServer } from "./s3-server.js";

export interface RunningRgw extends S3TestServer {
  /** The cluster's folder: ceph.conf, logs (log/), daemon data. Removed by stop(). */
  dir: string;
  startupMs: number;
  /** Process ids of the daemons (for a last-resort kill on exit). */
  pids: number[];
  stop(): Promise<void>;
}

export interface StartRgwOptions {
  log?: (line: string) => void;
  /** Deadline for one startup attempt, install excluded. */
  timeoutMs?: number;
}

export class RgwStartupError extends Error {
  override readonly name = "RgwStartupError";
}

/** Fixed test credentials: the server only listens on 127.0.0.1 and lives for one test run. */
const ACCESS_KEY_ID = "SIMWATCHTESTACCESSKEY";
const SECRET_ACCESS_KEY = "simwatch-test-secret-not-a-secret";
const COMMAND_TIMEOUT_MS = 30_000;

async function waitForHttp(url: string, deadline: number, daemons: readonly Daemon[]): Promise<void> {
  for (;;) {
    const dead = daemons.find((daemon) => daemon.exited);
    if (dead) throw new RgwStartupError(`${dead.name} exited (${dead.exited?.code ?? dead.exited?.signal}) during startup`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(2_000) });
      return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new RgwStartupError(`the gateway did not answer HTTP on ${url} in time`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The last lines of every log in the cluster folder, for a startup failure message. */
async function logTails(dir: string, lines = 25): Promise<string> {
  const logDir = join(dir, "log");
  const names = await readdir(logDir).catch(() => [] as string[]);
  const parts = await Promise.all(
    names.sort().map(async (name) => {
      const text = await readFile(join(logDir, name), "utf8").catch(() => "");
      const tail = text.split("\n").filter((line) => line.trim() !== "").slice(-lines).join("\n");
      return tail ? `--- ${join(logDir, name)} (last ${lines} lines)\n${tail}` : "";
    }),
  );
  return parts.filter((part) => part !== "").join("\n");
}

async function startCluster(paths: CephPaths, dir: string, daemons: Daemon[], deadline: number): Promise<S3TestServer> {
  const [monPort, rgwPort] = await freePorts(2);
  if (monPort === undefined || rgwPort === undefined) throw new RgwStartupError("no free ports");
  const fsid = randomUUID();
  for (const sub of ["run", "log", "mon", "osd/osd.0", "rgw"]) await mkdir(join(dir, sub), { recursive: true });
  const conf = join(dir, "ceph.conf");
  await writeFile(conf, cephConf({ dir, fsid, monPort, rgwPort }));
  const keyring = join(dir, "keyring");
  const monmap = join(dir, "monmap");
  const env = { ...process.env, CEPH_CONF: conf };
  const c = ["-c", conf];
  const timeoutMs = COMMAND_TIMEOUT_MS;
  const daemon = (name: string, command: string, args: string[]) =>
    daemons.push(startDaemon(name, command, [...c, "-f", ...args], { outputFile: join(dir, "log", `${name}.out`), env }));

  await run(paths["ceph-authtool"], ["--create-keyring", keyring, "--gen-key", "-n", "mon.", "--cap", "mon", "allow *"], { timeoutMs, env });
  await run(paths.monmaptool, ["--create", "--fsid", fsid, "--addv", "a", `[v1:127.0.0.1:${monPort}]`, monmap], { timeoutMs, env });
  await run(paths["ceph-mon"], [...c, "--mkfs", "-i", "a", "--monmap", monmap, "--keyring", keyring], { timeoutMs, env });
  daemon("ceph-mon", paths["ceph-mon"], ["-i", "a"]);
  // osd.0 goes into the OSD map and straight under the CRUSH root from here: when the OSD
  // does that itself at startup, its first command can race its monitor map and fail
  // ("handle_command on fsid 0000... != <fsid>"), and the OSD exits (ceph-conf.ts).
  const osdUuid = randomUUID();
  await run(paths.ceph, [...c, "--connect-timeout", "20", "osd", "create", osdUuid], { timeoutMs, env });
  await run(paths.ceph, [...c, "osd", "crush", "add", "osd.0", "1.0", "root=default"], { timeoutMs, env });
  await run(paths["ceph-osd"], [...c, "-i", "0", "--mkfs", "--osd-uuid", osdUuid], { timeoutMs, env });
  daemon("ceph-osd", paths["ceph-osd"], ["-i", "0"]);
  daemon("radosgw", paths.radosgw, ["-n", "client.rgw.a"]);
  const endpoint = `http://127.0.0.1:${rgwPort}`;
  await waitForHttp(endpoint, deadline, daemons);
  await run(
    paths["radosgw-admin"],
    [...c, "user", "create", "--uid=simwatch-test", "--display-name=simwatch tests", `--access-key=${ACCESS_KEY_ID}`, `--secret-key=${SECRET_ACCESS_KEY}`],
    { timeoutMs, env },
  );
  return { endpoint, region: "us-east-1", accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY, kind: "rgw" };
}

const DIR_PREFIX = "simwatch-rgw-";
const OWNER_FILE = "owner.pid";
const FAILED_FILE = "STARTUP-FAILED";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes cluster folders left by test runs that were killed outright (their daemons die
 * with them, their folders do not). Folders of live runs stay, and so do failed startups'
 * folders, kept for inspection, for an hour.
 */
async function sweepAbandoned(keepFailuresMs = 3_600_000): Promise<void> {
  const names = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.startsWith(DIR_PREFIX))) {
    const dir = join(tmpdir(), name);
    const owner = Number(await readFile(join(dir, OWNER_FILE), "utf8").catch(() => "0"));
    if (owner > 0 && isAlive(owner)) continue;
    const failed = await stat(join(dir, FAILED_FILE)).catch(() => undefined);
    if (failed && Date.now() - failed.mtimeMs < keepFailuresMs) continue;
    if (owner === 0 && !failed) continue; // not ours to judge
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}

async function attempt(paths: CephPaths, timeoutMs: number): Promise<RunningRgw> {
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), DIR_PREFIX));
  await writeFile(join(dir, OWNER_FILE), String(process.pid));
  const daemons: Daemon[] = [];
  const killAll = () => Promise.all(daemons.map((daemon) => killDaemon(daemon)));
  const deadline = started + timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RgwStartupError(`startup took longer than ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const server = await Promise.race([startCluster(paths, dir, daemons, deadline), overrun]);
    return {
      ...server,
      dir,
      startupMs: Date.now() - started,
      pids: daemons.flatMap((daemon) => (daemon.process.pid === undefined ? [] : [daemon.process.pid])),
      stop: async () => {
        await killAll();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await killAll();
    await writeFile(join(dir, FAILED_FILE), "").catch(() => {});
    const message = error instanceof Error ? error.message : String(error);
    throw new RgwStartupError(
      `Could not start Ceph's RADOS Gateway for the S3 tests: ${message}\n${await logTails(dir)}\n` +
        `(cluster folder kept for inspection: ${dir}; set S3_TEST_ENDPOINT to use another S3 server instead)`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Installs Ceph if needed (see ceph-install.ts), then starts the cluster. A failed attempt
 * (say, a port taken between choosing and binding it) is retried once on fresh ports.
 */
export async function startRgw(options: StartRgwOptions = {}): Promise<RunningRgw> {
  const log = options.log ?? (() => {});
  const paths = await ensureCephInstalled(log);
  await sweepAbandoned();
  const timeoutMs = options.timeoutMs ?? 45_000;
  try {
    return await attempt(paths, timeoutMs);
  } catch (error) {
    log(error instanceof Error ? error.message : String(error));
    log("Retrying once with fresh ports and a fresh folder.");
    return await attempt(paths, timeoutMs);
  }
}
