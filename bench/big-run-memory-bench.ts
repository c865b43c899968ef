/**
 * Peak memory of each handler on the big run: 500 failing unit tests x 2 metrics x 3 repetitions,
 * every justification 10,000 characters (30 MB of the judge's words). Each handler runs in a
 * process of its own, bundled like its Lambda, against the simulator and the Slack stand-in;
 * its peak RSS is printed next to its Lambda's memory (the target: under half).
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { startSimulator } from "../functions/local/simulator/index.js";
import { startSlackStub } from "../test/support/slack-stub.js";

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL("./big-run-child.ts", import.meta.url));
/** The stack's memory for each function (infra/simwatch-stack.ts), MiB. */
const LAMBDA_MEMORY = { poller: 512, archiver: 1024, notifier: 256 } as const;

export async function runBigRunMemoryBench(say: (line: string) => void): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "simwatch-bench-bigrun-"));
  const sim = await startSimulator({ rateLimits: false });
  const slack = await startSlackStub({ token: "xoxb-bench" });
  try {
    const outfile = join(dir, "big-run-child.mjs");
    await build({
      entryPoints: [CHILD], bundle: true, platform: "node", format: "esm", target: "node20", minify: true, outfile, logLevel: "silent",
      mainFields: ["module", "main"], banner: { js: "import { createRequire } from 'module';const require = createRequire(import.meta.url);" },
    });
    const criteria = ["Tone", "Accuracy"].map((metric) => ({ name: `${metric} ok`, metric, criterion: { type: "boolean" as const, expected_value: true } }));
    const tests = Array.from({ length: 500 }, (_, index) => ({ name: `Long case ${index + 1}`, runCount: 3, criteria }));
    const set = sim.control.addSet({ name: "Long reasons", unitTests: tests, outcome: { durationMs: 1_000, artifactsDelayMs: 0, artifactBytes: 64 * 1024, justificationChars: 10_000, failing: tests.map((test) => ({ unitTest: test.name })) } });
    const base = { dir, amigo: { url: sim.url, ...sim.credentials }, setId: set.id, slackUrl: slack.apiUrl, channel: "C0BIGRUN" };
    const step = async (name: keyof typeof LAMBDA_MEMORY, runId: string) => {
      const { stdout } = await run(process.execPath, [outfile, JSON.stringify({ ...base, step: name, runId })], { maxBuffer: 1 << 20 });
      const figures = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as { maxRssMiB: number; seconds: number };
      say(`  ${name.padEnd(9)} peak RSS ${figures.maxRssMiB.toFixed(0).padStart(4)} MiB of its ${LAMBDA_MEMORY[name]} MiB (${((100 * figures.maxRssMiB) / LAMBDA_MEMORY[name]).toFixed(0)}%), ${figures.seconds.toFixed(1)} s`);
    };
    say("500 failing unit tests x 2 metrics x 3 repetitions, 10,000-character justifications:");
    await step("poller", "");
    const runId = sim.control.createRun({ set: set.id });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await step("poller", runId);
    await step("archiver", runId);
    await step("notifier", runId);
    const posted = slack.calls.filter((call) => call.method === "chat.postMessage").length;
    say(`  the notifier's Slack calls: ${posted} posts, ${slack.calls.filter((call) => call.method === "chat.update").length} edits`);
  } finally {
    await sim.close();
    await slack.close();
    await rm(dir, { recursive: true, force: true });
  }
}
