/**
 * Child processes for the test servers: one-shot commands with a timeout and a clear
 * error, and long-running daemons that die with the test run (even if it is killed).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { accessSync, closeSync, constants, openSync } from "node:fs";
import { createServer } from "node:net";
import { delimiter, join } from "node:path";

export class CommandError extends Error {
  override readonly name = "CommandError";
}

/** The absolute path of `command` on PATH (plus the sbin folders), or undefined. */
export function findExecutable(command: string): string | undefined {
  const folders = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/sbin", "/usr/bin", "/bin"];
  for (const folder of folders.filter((f) => f !== "")) {
    const candidate = join(folder, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Runs a command to completion; rejects with its output when it fails or overruns `timeoutMs`. */
export function run(
  command: string,
  args: readonly string[],
  options: { timeoutMs: number; env?: NodeJS.ProcessEnv; cwd?: string },
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { timeout: options.timeoutMs, killSignal: "SIGKILL", env: options.env ?? process.env, cwd: options.cwd, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const why = error.killed ? `timed out after ${options.timeoutMs} ms` : `failed (${error.code ?? error.signal})`;
        const output = `${stdout}${stderr}`.trim().split("\n").slice(-30).join("\n");
        reject(new CommandError(`\`${[command, ...args].join(" ")}\` ${why}${output ? `:\n${output}` : ""}`));
      },
    );
  });
}

export interface Daemon {
  readonly name: string;
  readonly process: ChildProcess;
  /** Set once the process has exited. */
  exited?: { code: number | null; signal: NodeJS.Signals | null };
  /** Resolves when the process has exited. */
  readonly exit: Promise<void>;
}

const setpriv = findExecutable("setpriv");

/**
 * The command line that runs `command` so that the kernel kills it if this process dies
 * (util-linux's setpriv sets PR_SET_PDEATHSIG, then execs: same pid), where setpriv exists.
 */
function diesWithUs(command: string, args: readonly string[]): [string, string[]] {
  return setpriv ? [setpriv, ["--pdeathsig", "SIGKILL", "--", command, ...args]] : [command, [...args]];
}

/**
 * Starts a long-running process with its stdout and stderr in `outputFile`. Where util-linux's
 * setpriv exists, the kernel kills the daemon if this process dies (PR_SET_PDEATHSIG), so a
 * crashed or killed test run leaves nothing behind.
 */
export function startDaemon(
  name: string,
  command: string,
  args: readonly string[],
  options: { outputFile: string; env?: NodeJS.ProcessEnv },
): Daemon {
  const output = openSync(options.outputFile, "a");
  const [file, argv] = diesWithUs(command, args);
  const child = spawn(file, argv, { stdio: ["ignore", output, output], env: options.env ?? process.env });
  closeSync(output);
  const daemon: Daemon = {
    name,
    process: child,
    exit: new Promise<void>((resolve) => {
      child.once("exit", (code, signal) => {
        daemon.exited = { code, signal };
        resolve();
      });
      child.once("error", () => resolve());
    }),
  };
  return daemon;
}

/** SIGKILLs the daemon (the test servers keep nothing worth flushing) and waits for it. */
export async function killDaemon(daemon: Daemon, waitMs = 5_000): Promise<void> {
  if (daemon.exited || daemon.process.pid === undefined) return;
  daemon.process.kill("SIGKILL");
  await Promise.race([daemon.exit, new Promise((resolve) => setTimeout(resolve, waitMs).unref())]);
}

export interface GroupProcess {
  readonly pid: number;
  /** Date.now() when it was spawned. */
  readonly startedAt: number;
  /** Everything it wrote to stdout so far. */
  stdout(): string;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  /** Set once the process has exited. */
  exited?: { code: number | null; signal: NodeJS.Signals | null; at: number };
  /** Resolves when the process has exited. */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILLs the whole process group, as a crash or an OOM kill would (no clean-up), and waits for the exit. */
  kill(): Promise<void>;
}

/**
 * Starts `command` as the leader of a process group of its own, output kept in memory, so
 * that `kill()` takes down it and anything it started at once. It also dies with this process.
 */
export function startGroupProcess(command: string, args: readonly string[], options: { env: NodeJS.ProcessEnv; cwd: string }): GroupProcess {
  const [file, argv] = diesWithUs(command, args);
  const child = spawn(file, argv, { detached: true, stdio: ["ignore", "pipe", "pipe"], env: options.env, cwd: options.cwd });
  if (child.pid === undefined) throw new CommandError(`could not start \`${[command, ...args].join(" ")}\``);
  const pid = child.pid;
  let stdout = "";
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
    output += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const handle: GroupProcess = {
    pid,
    startedAt: Date.now(),
    stdout: () => stdout,
    output: () => output,
    exit: new Promise((resolve) => {
      // "close" rather than "exit": by then every byte of its output has been read.
      child.once("close", (code, signal) => {
        handle.exited = { code, signal, at: Date.now() };
        resolve({ code, signal });
      });
    }),
    async kill() {
      if (handle.exited) return;
      try {
        process.kill(-pid, "SIGKILL");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
      }
      await handle.exit;
    },
  };
  return handle;
}

/** `count` TCP ports on 127.0.0.1 that were free a moment ago. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => {
      const server = createServer();
      return new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve(server));
      });
    }),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no TCP address");
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
