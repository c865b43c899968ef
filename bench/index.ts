/** `npm run bench`: prints figures (never asserts). `npm run bench -- poller|archive|slack` runs one. */
import { runArchiveBench } from "./archive-bench.js";
import { runPollerBench } from "./poller-bench.js";

const say = (line: string) => process.stdout.write(`${line}\n`);
const only = process.argv[2];
const benches: Record<string, () => Promise<void>> = {
  poller: () => runPollerBench(say),
  archive: () => runArchiveBench(say),
  slack: async () => (await import("./slack-bench.js")).runSlackBench(),
};

for (const [name, bench] of Object.entries(benches)) {
  if (only && only !== name) continue;
  say(`\n== ${name} ==`);
  await bench();
}
process.exit(0);
