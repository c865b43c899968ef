/**
 * Child processes for the test servers: one-shot commands with a timeout and a clear
 * error, and long-running daemons that die with the test run (even if it is killed).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { accessSync, closeSync, constants, openSync } from "node:fs";
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
  const [file, argv] = setpriv ? [setpriv, ["--pdeathsig", "SIGKILL", "--", command, ...args]] : [command, [...args]];
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
