/**
 * One handler's work on the big run, in a process of its own (bundled like Lambda) so its peak
 * RSS is its own: "poller" ticks until the run's complete summary is out, "archiver" archives it
 * into a folder, "notifier" posts and edits its card and replies through the Slack Web API stand-in.
 * Prints one JSON line: { step, maxRssMiB, seconds }.
 */
import { createAmigoClient } from "../functions/amigo/index.js";
import { httpDownloader } from "../functions/archive/artifact-download.js";
import { FileSystemArchiveStore } from "../functions/archive/fs-archive-store.js";
import { FileSystemStateStore } from "../functions/archive/fs-state-store.js";
import { InProcessBus } from "../functions/bus/in-process-bus.js";
import { archiveRun } from "../functions/core/archiver/archive-run.js";
import { DEFAULT_ARCHIVE_MAX_BYTES, parseConfig } from "../functions/core/config.js";
import type { SimwatchEvent } from "../functions/core/events.js";
import { silentLogger } from "../functions/core/log.js";
import { createNotifier } from "../functions/core/notifier/notify.js";
import { tickDeadline } from "../functions/core/poller/follow.js";
import { pollOnce } from "../functions/core/poller/poll.js";
import { systemClock } from "../functions/core/ports.js";
import { stateKeys } from "../functions/core/idempotency/state-keys.js";
import type { RunSummary } from "../functions/core/summary/summary-model.js";
import { slackChatFromConfig } from "../functions/slack/from-config.js";

interface ChildInput {
  step: "poller" | "archiver" | "notifier";
  dir: string;
  amigo: { url: string; orgId: string; apiKey: string; apiKeyId: string; userId: string };
  runId: string;
  setId: string;
  slackUrl: string;
  channel: string;
}

const input = JSON.parse(process.argv[2] ?? "{}") as ChildInput;
const started = performance.now();
const state = new FileSystemStateStore({ root: input.dir });
const amigo = createAmigoClient({ baseUrl: input.amigo.url, credentials: input.amigo, rateLimitShare: false });
const bus = new InProcessBus({ log: silentLogger });
const published: SimwatchEvent[] = [];
for (const type of ["Run Finished", "Artifacts Ready", "Run Archived"] as const) bus.subscribe(type, (event) => void published.push(event), { name: "child" });

if (input.step === "poller") {
  for (let tick = 0; tick < 5; tick++) {
    await pollOnce({ amigo, state, bus, clock: systemClock, logger: silentLogger, giveUpAfterHours: 48, deadline: tickDeadline(() => 55_000) });
    await bus.idle();
    if (published.some((event) => event.detailType === "Artifacts Ready")) break;
  }
} else if (input.step === "archiver") {
  const archive = new FileSystemArchiveStore({ root: input.dir });
  const download = httpDownloader({ amigoBaseUrl: input.amigo.url, maxBytes: DEFAULT_ARCHIVE_MAX_BYTES });
  await archiveRun({ amigo, archive, state, bus, download, clock: systemClock, logger: silentLogger, archivePrefix: "runs/" }, { runId: input.runId, setId: input.setId });
} else {
  const chat = slackChatFromConfig(parseConfig({ SLACK_BOT_TOKEN: "xoxb-bench", SLACK_API_URL: input.slackUrl }));
  if (!chat) throw new Error("no Slack client");
  const notifier = createNotifier({ chat, state, clock: systemClock, log: silentLogger, defaultChannel: input.channel });
  const summary = (await state.get<RunSummary>(stateKeys.runSummary(input.runId)))?.value;
  if (!summary) throw new Error("the poller stored no summary");
  await notifier.handle({ detailType: "Run Started", detail: { runId: input.runId, setId: input.setId, createdAt: summary.createdAt, creator: summary.creator } });
  await notifier.handle({ detailType: "Run Finished", detail: { runId: input.runId, setId: input.setId, verdict: summary.verdict, summary } });
}
await bus.close();
process.stdout.write(`${JSON.stringify({ step: input.step, maxRssMiB: process.resourceUsage().maxRSS / 1024, seconds: (performance.now() - started) / 1000 })}\n`);
process.exit(0);
