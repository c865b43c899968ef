/**
 * `npm run bench`: prints figures (never asserts).
 * `npm run bench -- poller|pipeline|follow|archive|archive-resume|slack|bundles|bursts|poller-burst|big-run|home|pages|archive-web` runs one.
 */
import { runArchiveBench } from "./archive-bench.js";
import { runPollerBench } from "./poller-bench.js";

const say = (line: string) => process.stdout.write(`${line}\n`);
const only = process.argv[2];
const benches: Record<string, () => Promise<void>> = {
  poller: () => runPollerBench(say),
  pipeline: async () => (await import("./pipeline-bench.js")).runPipelineBench(say),
  follow: async () => {
    await (await import("./follow-pacing-bench.js")).runFollowPacingBench(say);
    await (await import("./follow-latency-bench.js")).runFollowLatencyBench(say);
  },
  archive: () => runArchiveBench(say),
  "archive-web": async () => (await import("./archive-web-bench.js")).runArchiveWebBench(say),
  "archive-resume": async () => (await import("./archive-resume-bench.js")).runArchiveResumeBench(say),
  slack: async () => (await import("./slack-bench.js")).runSlackBench(),
  bundles: async () => (await import("./bundles-bench.js")).runBundlesBench(say),
  bursts: async () => (await import("./command-burst-bench.js")).runCommandBurstBench(say),
  "big-run": async () => (await import("./big-run-memory-bench.js")).runBigRunMemoryBench(say),
  "poller-burst": async () => (await import("./poller-burst-bench.js")).runPollerBurstBench(say),
  home: async () => (await import("./home-bench.js")).runHomeBench(say),
  pages: async () => (await import("./pages-bench.js")).runPagesBench(say),
};

if (only && !(only in benches)) {
  process.stderr.write(`no bench named "${only}"; the benches: ${Object.keys(benches).join(", ")}\n`);
  process.exit(2);
}
for (const [name, bench] of Object.entries(benches)) {
  if (only && only !== name) continue;
  say(`\n== ${name} ==`);
  await bench();
}
process.exit(0);
