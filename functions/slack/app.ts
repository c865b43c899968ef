/**
 * The Slack HTTP endpoints as a Hono app that knows nothing of Lambda:
 *   POST /slack/commands      slash commands
 *   POST /slack/interactions  button clicks (payload = JSON form field)
 *   GET  /healthz
 * Every Slack request is size-checked, then verified, before anything else happens; the app
 * parses, authorizes and hands the command off as a `Command Accepted` event, then acks at
 * once. It never calls Amigo: the command worker does that, and answers via response_url.
 */
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { type ChatMessage, type Line, notice, say } from "../core/chat.js";
import { type Command, helpText, parseCommand } from "../core/commands.js";
import { type CommandAcceptedDetail, event } from "../core/events.js";
import { errorFields, type Logger, silentLogger } from "../core/log.js";
import { type ArchiveStore, type Clock, type EventBus, systemClock } from "../core/ports.js";
import { archiveKeys } from "../core/state-keys.js";
import { type Allowlists, authorize } from "./authorize.js";
import { renderMessage } from "./blocks.js";
import { type ButtonClick, isFormEncoded, readInteraction, readSlashCommand, requestIdOf } from "./payloads.js";
import { type Responder, responseUrlResponder } from "./response-url.js";
import { verifySlackRequest } from "./verify.js";

export interface SlackAppOptions {
  signingSecret: string;
  bus: EventBus;
  /** SLACK_ALLOWED_USERS / SLACK_ALLOWED_CHANNELS (empty = everyone) for run and cancel. */
  allowed?: Partial<Allowlists>;
  /** For "Download artifacts": presigns a short-lived link (S3), or names the location. */
  archive?: Pick<ArchiveStore, "locationOf" | "presignDownload">;
  /** ARCHIVE_PREFIX: a download key must lie in this run's folder under it. */
  archivePrefix?: string;
  /** Lifetime of a presigned download link, seconds (default 300). */
  downloadLinkSeconds?: number;
  /** Answers button clicks through response_url (default: fetch, 2.5 s timeout). */
  respond?: Responder;
  clock?: Clock;
  /** Largest body accepted, bytes (default 256 KiB); bigger gets 413 before verification. */
  maxBodyBytes?: number;
  log?: Logger;
}

type Verified = { ok: true; params: URLSearchParams; raw: string } | { ok: false; response: Response };

const ephemeral = (message: ChatMessage) => ({ response_type: "ephemeral", ...renderMessage(message) });

export function createSlackApp(options: SlackAppOptions): Hono {
  const log = options.log ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const maxBodyBytes = options.maxBodyBytes ?? 256 * 1024;
  const allowed: Allowlists = { users: options.allowed?.users ?? [], channels: options.allowed?.channels ?? [] };
  const respond = options.respond ?? responseUrlResponder({ timeoutMs: 2500 });
  const tooLarge = (c: Context) => c.text("Payload Too Large", 413);

  /** Size, signature, content type, in that order; nothing else runs on an unverified request. */
  async function readVerified(c: Context, route: string): Promise<Verified> {
    const raw = await c.req.text();
    if (Buffer.byteLength(raw, "utf8") > maxBodyBytes) return { ok: false, response: tooLarge(c) };
    const result = verifySlackRequest({
      signingSecret: options.signingSecret,
      timestamp: c.req.header("x-slack-request-timestamp"),
      signature: c.req.header("x-slack-signature"),
      body: raw,
      nowSeconds: Math.floor(clock.now().getTime() / 1000),
    });
    if (!result.ok) {
      log.warn("slack.request.rejected", { route, reason: result.reason });
      return { ok: false, response: c.text("Unauthorized", 401) };
    }
    if (!isFormEncoded(c.req.header("content-type"))) {
      log.warn("slack.request.rejected", { route, reason: "content_type" });
      return { ok: false, response: c.text("Unsupported Media Type", 415) };
    }
    return { ok: true, params: new URLSearchParams(raw), raw };
  }

  async function publish(detail: CommandAcceptedDetail): Promise<boolean> {
    try {
      await options.bus.publish([event("Command Accepted", detail)]);
      log.info("slack.command.accepted", { verb: detail.command.verb, requestId: detail.requestId });
      return true;
    } catch (error) {
      log.error("slack.command.publish_failed", { verb: detail.command.verb, requestId: detail.requestId, ...errorFields(error) });
      return false;
    }
  }

  const couldNotQueue = say("error", ["simwatch could not take that command just now (its event bus did not answer). Please try again."]);

  async function answerClick(click: ButtonClick, message: ChatMessage): Promise<void> {
    if (!click.responseUrl) return;
    await respond(click.responseUrl, message, { visibility: "ephemeral", replaceOriginal: false }).catch((error: unknown) =>
      log.warn("slack.respond.failed", { action: click.action.kind, ...errorFields(error) }),
    );
  }

  async function download(click: ButtonClick & { action: { kind: "download" } }): Promise<ChatMessage> {
    const { runId, setId, key } = click.action;
    const folder = archiveKeys.folder(options.archivePrefix ?? "", setId, runId);
    if (!options.archive || !key.startsWith(folder) || key.includes("..") || key.slice(folder.length).includes("/")) {
      return say("error", ["That download button does not point into this run's archive folder."]);
    }
    const seconds = options.downloadLinkSeconds ?? 300;
    const url = await options.archive.presignDownload?.(key, seconds);
    if (!url) return say("info", [`The artifacts of run `, { code: runId }, ` are archived at `, { code: options.archive.locationOf(key) }, "."]);
    const minutes = Math.max(1, Math.round(seconds / 60));
    return say("info", [{ link: { url, label: "Download the artifacts" } }, ` of run `, { code: runId }, ` (link valid for ${minutes} minute${minutes === 1 ? "" : "s"}).`]);
  }

  const app = new Hono();
  const limit = bodyLimit({ maxSize: maxBodyBytes, onError: tooLarge });

  app.get("/healthz", (c) => c.json({ ok: true }));

  app.post("/slack/commands", limit, async (c) => {
    const verified = await readVerified(c, "commands");
    if (!verified.ok) return verified.response;
    if (verified.params.get("ssl_check") === "1") return c.body(null, 200);
    const slash = readSlashCommand(verified.params);
    if (!slash) return c.text("Bad Request", 400);
    const commandWord = /^\/[\w-]{1,32}$/.test(slash.command) ? slash.command : "/sim";

    const parsed = parseCommand(slash.text);
    if (!parsed.ok) return c.json(ephemeral(notice("warning", [[parsed.error], ...parsed.usage.split("\n").map((line): Line => [line])])));
    const command: Command = parsed.command;
    if (command.verb === "help") {
      return c.json(ephemeral(notice("info", helpText(commandWord).split("\n").map((line): Line => [{ code: line.split(":")[0] ?? line }, line.slice(line.indexOf(":"))]), { title: "simwatch commands" })));
    }
    if (command.verb === "run" || command.verb === "cancel") {
      const decision = authorize(allowed, slash.userId, slash.channelId);
      if (!decision.ok) return c.json(ephemeral(say("error", decision.reason)));
    }
    const detail: CommandAcceptedDetail = {
      command,
      text: `${commandWord} ${slash.text}`.trim(),
      userId: slash.userId,
      channelId: slash.channelId,
      requestId: requestIdOf(slash.triggerId, verified.raw),
      ...(slash.userName ? { userName: slash.userName } : {}),
      ...(slash.teamId ? { teamId: slash.teamId } : {}),
      ...(slash.responseUrl ? { responseUrl: slash.responseUrl } : {}),
    };
    if (!(await publish(detail))) return c.json(ephemeral(couldNotQueue));
    return c.json(ephemeral(say("info", [":hourglass_flowing_sand: Working on ", { code: detail.text }, "…"])));
  });

  app.post("/slack/interactions", limit, async (c) => {
    const verified = await readVerified(c, "interactions");
    if (!verified.ok) return verified.response;
    if (verified.params.get("ssl_check") === "1") return c.body(null, 200);
    const read = readInteraction(verified.params);
    if (read.kind === "malformed") return c.text("Bad Request", 400);
    if (read.kind === "ignored") return c.body(null, 200);
    const click = read.click;
    const { action } = click;

    if (action.kind === "download") {
      const answer = await download({ ...click, action }).catch((error: unknown) => {
        log.error("slack.download.failed", { runId: action.runId, ...errorFields(error) });
        return say("error", ["Could not make a download link just now; please try again."]);
      });
      await answerClick(click, answer);
      return c.body(null, 200);
    }

    const decision = authorize(allowed, click.userId, click.channelId);
    if (!decision.ok) {
      await answerClick(click, say("error", decision.reason));
      return c.body(null, 200);
    }
    if (!click.channelId) {
      await answerClick(click, say("error", ["This button only works on a message in a channel."]));
      return c.body(null, 200);
    }
    const command: Command = action.kind === "rerun" ? { verb: "run", set: action.setId } : { verb: "cancel", runId: action.runId };
    const detail: CommandAcceptedDetail = {
      command,
      text: action.kind === "rerun" ? `run ${action.setId}` : `cancel ${action.runId}`,
      userId: click.userId,
      channelId: click.channelId,
      requestId: requestIdOf(click.triggerId, verified.raw),
      ...(click.userName ? { userName: click.userName } : {}),
      ...(click.teamId ? { teamId: click.teamId } : {}),
      ...(click.responseUrl ? { responseUrl: click.responseUrl } : {}),
      ...(click.messageTs ? { messageTs: click.messageTs } : {}),
    };
    if (!(await publish(detail))) await answerClick(click, couldNotQueue);
    return c.body(null, 200);
  });

  return app;
}
