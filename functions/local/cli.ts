/**
 * The `simwatch` command: `serve` (npm start), `poll`, the slash command's verbs from a
 * terminal, and `slash` to drive a running local server over HTTP. One parser and one
 * worker serve Slack and the terminal, so both answer with the same words.
 */
import { ConfigError, type Config, parseConfig } from "../core/config.js";
import { type Command, helpText, parseCommand, USAGE, VERBS, type Verb } from "../core/commands/commands.js";
import { errorFields, isLogLevel, jsonLogger, type Logger } from "../core/log.js";
import { renderMessage } from "../slack/blocks.js";
import { messageToPlain } from "../slack/plain-text.js";
import { isCommandName, type OptionValues, parseCommandLine } from "./cli-args.js";
import { loadDotEnv } from "./env.js";
import { archiveStoresFromConfig } from "../archive/from-config.js";
import { rebuildPages } from "../core/archive-pages/rebuild-pages.js";
import { systemClock } from "../core/ports.js";
import { LOCAL_SIGNING_SECRET, localServices, newRequestId, readLocalServerInfo } from "./local-services.js";
import { noteNodeVersion } from "./node-version.js";
import { LOCAL_CHANNEL, LOCAL_USER, startServer, subscribeConsumers } from "./serve.js";
import { TerminalChat } from "./terminal-chat.js";
import { sendSlash } from "./slash.js";
import { GATE_USAGE, gateOptionWithoutWait } from "./ci-gate-args.js";
import { gateCommand } from "./ci-gate.js";
import { terminalConfig, terminalUser } from "./local-services.js";

const say = (line: string) => process.stdout.write(`${line}\n`);

const GENERAL_HELP = `simwatch: watch Amigo simulation runs, archive their artifacts, report them in Slack.

Usage:
  simwatch serve                 the Slack app, the poll loop and the workers in one process (npm start)
  simwatch poll                  one poll, archive and notify cycle, then exit (prints a JSON line)
  simwatch slash "<text>"        send a signed slash command to a running local server
  simwatch run <set>... --wait   the CI gate: start runs, wait, exit 0 passed / 1 failed / 2 error / 3 timeout
  simwatch wait <run-id>...      the same for runs already started (simwatch wait --help)
  simwatch home [--user U...]    prints each person's Slack Home tab here; --refresh drains the Home refresh queue once
  simwatch archive rebuild-pages the archive's report and index pages for runs archived before them
  simwatch <verb> [arguments]    the slash command's verbs against the configured Amigo:
${VERBS.filter((verb) => verb !== "help")
  .map((verb) => `      ${USAGE[verb]}`)
  .join("\n")}

Options: --help on any command; --channel <id> for verbs (default: SLACK_DEFAULT_CHANNEL or ${LOCAL_CHANNEL}).
Configuration comes from the environment and .env (see .env.example); nothing configured means
the embedded Amigo simulator, the ./archive folder and this terminal for Slack.`;

const COMMAND_HELP: Record<string, string> = {
  serve: `simwatch serve: runs the Slack endpoints (PORT, default 8787), polls Amigo (POLL_INTERVAL_SECONDS) and runs the archiver,
notifier and command worker on an in-process bus. With no Amigo credentials it uses the embedded simulator and starts a demo run.`,
  poll: "simwatch poll: one poll of Amigo, then archives and notifies whatever that poll found; prints one JSON line and exits 0 (1 on failure).",
  slash: `simwatch slash "<text>" [--url http://127.0.0.1:PORT] [--user U123] [--channel C123] [--wait 10]:
signs the text as Slack would (SLACK_SIGNING_SECRET, or the local default) and posts it to a running simwatch serve.`,
  run: `simwatch ${USAGE.run}\n${GATE_USAGE}`,
  wait: GATE_USAGE,
  home: `simwatch home [--user U123 [--user U456]]: prints each person's Home tab (as Slack would show it to them) in the terminal,
built from the same facts as the published ones; nothing is published. Default user: ${LOCAL_USER}.
simwatch home --refresh: republishes the Homes waiting in the refresh queue (through Slack when SLACK_BOT_TOKEN is set), then prints a JSON line.`,
  archive: `simwatch archive rebuild-pages [--restart]: writes report.html for every archived run from its run.json, and each set's
and the archive's index.html, printing its progress. Stopped, it goes on where it stopped the next time (--restart: from the start).`,
};

/** Re-quotes shell words so the slash command parser sees the same text Slack would send. */
function asSlashText(words: readonly string[]): string {
  return words.map((word) => (/\s/.test(word) && !/^".*"$/.test(word) ? `"${word}"` : word)).join(" ");
}

function loadConfig(): Config {
  loadDotEnv();
  return parseConfig(process.env);
}

async function runPoll(config: Config, logger: Logger): Promise<number> {
  const services = await localServices(config, { logger, joinRunningServer: true });
  subscribeConsumers(services);
  const outcomes = { archived: 0, notified: 0 };
  services.inProcessBus?.subscribe("Run Archived", () => void outcomes.archived++, { name: "counter" });
  try {
    // First what a killed process accepted and did not deliver, then Amigo.
    await services.inProcessBus?.replay();
    const report = await services.pipeline.poll();
    await services.inProcessBus?.idle();
    const failed = services.inProcessBus?.deadLetters.length ?? 0;
    say(JSON.stringify({ ok: failed === 0, poll: report, archived: outcomes.archived, failedDeliveries: failed, archive: services.where }));
    return failed === 0 ? 0 : 1;
  } catch (error) {
    say(JSON.stringify({ ok: false, ...errorFields(error) }));
    return 1;
  } finally {
    await services.close();
  }
}

/**
 * A verb typed in a terminal: whoever can run simwatch here holds its Amigo credentials, so the
 * Slack allow-lists do not apply; the answer is printed here, not sent to a response_url.
 */
async function runVerb(config: Config, logger: Logger, command: Command, text: string, channel: string): Promise<number> {
  const services = await localServices(terminalConfig(config), { logger, joinRunningServer: true });
  try {
    if (services.simulator) say(`(no AMIGO_* credentials and no running simwatch serve: using a fresh embedded simulator for this command)`);
    const outcome = await services.pipeline.command({
      command,
      text,
      userId: terminalUser(),
      channelId: channel,
      requestId: newRequestId(),
    });
    if ("reply" in outcome && outcome.reply) say(messageToPlain(renderMessage(outcome.reply)));
    return outcome.status === "done" ? 0 : 1;
  } finally {
    await services.close();
  }
}

async function runServe(config: Config, logger: Logger): Promise<number> {
  const server = await startServer(config, { logger, say });
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      say(`\n${signal}: stopping (finishing or aborting what is in flight)...`);
      void server.stop().then(resolve);
    };
    process.once("SIGINT", () => shutdown("SIGINT"));
    process.once("SIGTERM", () => shutdown("SIGTERM"));
  });
  say("simwatch stopped cleanly.");
  return 0;
}

async function runSlash(config: Config, values: OptionValues, words: readonly string[]): Promise<number> {
  const wait = Number(stringValue(values.wait) ?? "10");
  if (!Number.isFinite(wait) || wait < 0) return refuse(`--wait takes a number of seconds; got "${String(values.wait)}".`, commandHelp("slash"));
  const running = await readLocalServerInfo(config);
  return sendSlash({
    url: stringValue(values.url) ?? `http://127.0.0.1:${running?.port ?? config.PORT}`,
    signingSecret: config.SLACK_SIGNING_SECRET ?? LOCAL_SIGNING_SECRET,
    // The text is given as Slack would send it: one argument, or words joined by spaces.
    text: words.join(" "),
    userId: stringValue(values.user) ?? "ULOCAL",
    channelId: stringValue(values.channel) ?? LOCAL_CHANNEL,
    waitSeconds: wait,
    say,
  });
}

/** `simwatch home`: people's Homes printed here, or (--refresh) the refresh queue drained once. */
async function runHome(config: Config, logger: Logger, values: OptionValues): Promise<number> {
  const users = (stringValue(values.user) ?? LOCAL_USER).split(",").map((user) => user.trim());
  const bad = users.find((user) => !/^[UW][A-Z0-9]{1,30}$/.test(user));
  if (bad !== undefined && values.refresh !== true) return refuse(`--user takes Slack user ids (U0123ABCD); got "${bad}".`, commandHelp("home"));
  const services = await localServices(config, { logger, joinRunningServer: true });
  try {
    if (values.refresh === true) {
      const report = await services.pipeline.homeRefreshDue(55_000);
      say(JSON.stringify({ ok: true, ...report }));
      return 0;
    }
    if (services.simulator) say("(no AMIGO_* credentials and no running simwatch serve: a fresh embedded simulator's sets)");
    const terminal = new TerminalChat();
    for (const userId of users) terminal.printHome((await services.pipeline.homes().preview({ userId })).view, "as Slack would show it (not published)");
    return 0;
  } finally {
    await services.close();
  }
}

async function rebuildPagesCommand(config: Config, logger: Logger, restart: boolean): Promise<number> {
  const { archive, state, where } = archiveStoresFromConfig(config);
  say(`Rebuilding the archive's pages under ${config.ARCHIVE_PREFIX} in ${where}`);
  await rebuildPages({ archive, state, clock: systemClock, logger, archivePrefix: config.ARCHIVE_PREFIX, say, restart });
  return 0;
}

function commandHelp(command: string): string {
  return COMMAND_HELP[command] ?? (VERBS.includes(command as Verb) ? `simwatch ${USAGE[command as Verb]}` : GENERAL_HELP);
}

function refuse(error: string, usage: string): number {
  process.stderr.write(`${error}\n${usage}\n`);
  return 2;
}

const stringValue = (value: string | boolean | undefined): string | undefined => (typeof value === "string" ? value : undefined);

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    say(first === "help" ? helpText("simwatch") : GENERAL_HELP);
    return 0;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    say(commandHelp(first));
    return 0;
  }
  const command = first.toLowerCase();
  if (!isCommandName(command)) {
    // Not a command: the slash command's parser says so, with the closest verb.
    const parsed = parseCommand(asSlashText(argv));
    return parsed.ok ? refuse(`Unknown command "${first}".`, GENERAL_HELP) : refuse(parsed.error, parsed.usage.replaceAll("/sim", "simwatch"));
  }
  const line = parseCommandLine(command, rest);
  if (!line.ok) return refuse(line.error, commandHelp(command));
  const { values, words } = line;

  noteNodeVersion((line) => process.stderr.write(`${line}\n`));
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nFix these in the environment or .env (see .env.example).\n`);
      return 2;
    }
    throw error;
  }
  // A terminal shows warnings and errors; SIMWATCH_LOG_LEVEL=info shows every request too.
  const level = process.env.SIMWATCH_LOG_LEVEL;
  const logger = jsonLogger(undefined, isLogLevel(level) ? level : "warn");

  switch (command) {
    case "serve":
      return runServe(config, logger);
    case "poll":
      return runPoll(config, logger);
    case "slash":
      return runSlash(config, values, words);
    case "wait":
      return gateCommand(config, logger, "wait", values, words);
    case "home":
      return runHome(config, logger, values);
    case "archive":
      if (words.join(" ") !== "rebuild-pages") return refuse(`Unknown archive command "${words.join(" ")}".`, commandHelp("archive"));
      return rebuildPagesCommand(config, logger, values.restart === true);
    default: {
      if (command === "run" && values.wait === true) return gateCommand(config, logger, "run", values, words);
      const misplaced = command === "run" ? gateOptionWithoutWait(values) : undefined;
      if (misplaced) return refuse(misplaced, commandHelp("run"));
      const channel = stringValue(values.channel) ?? config.SLACK_DEFAULT_CHANNEL ?? LOCAL_CHANNEL;
      const text = asSlashText([command, ...words]);
      const parsed = parseCommand(text);
      if (!parsed.ok) return refuse(parsed.error, parsed.usage.replaceAll("/sim", "simwatch"));
      return runVerb(config, logger, parsed.command, text, channel);
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`simwatch: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
