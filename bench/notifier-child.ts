/**
 * Runs in its own process (bundled with esbuild, as in Lambda) so its peak RSS is its own: the
 * real notifier, with folder state prepared by the parent (the big run's summary stored as the
 * poller stores it), brings the run's card through Run Started, Run Finished (by reference) and
 * Run Archived against the Slack stand-in the parent runs.
 * Prints one JSON line: { seconds, maxRssMiB }.
 */
import { FileSystemStateStore } from "../functions/archive/fs-state-store.js";
import { stateKeys } from "../functions/core/idempotency/state-keys.js";
import { createNotifier } from "../functions/core/notifier/notify.js";
import { systemClock } from "../functions/core/ports.js";
import { SlackChat } from "../functions/slack/client.js";

interface ChildInput {
  dir: string;
  apiUrl: string;
  token: string;
  runId: string;
  setId: string;
}

const input = JSON.parse(process.argv[2] ?? "{}") as ChildInput;
const { runId, setId } = input;
const started = performance.now();
const notifier = createNotifier({
  chat: new SlackChat({ token: input.token, apiUrl: input.apiUrl, timeoutMs: 30_000 }),
  state: new FileSystemStateStore({ root: input.dir }),
  clock: systemClock,
  defaultChannel: "C0BENCH",
});
await notifier.runStarted({ runId, setId, setName: "Big run", createdAt: new Date().toISOString(), creator: { org_id: "org", user_id: "bench" } });
await notifier.runFinished({ runId, setId, verdict: "failed", summaryRef: stateKeys.runSummary(runId) });
await notifier.runArchived({ runId, setId, location: `s3://bench/runs/${setId}/${runId}/artifacts.zip`, key: `runs/${setId}/${runId}/artifacts.zip`, size: 1 << 20, sha256: "ab".repeat(32), contentType: "application/zip" });
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
process.exit(0);
