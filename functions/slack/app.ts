/**
 * The Slack HTTP endpoints as a Hono app that knows nothing of Lambda:
 *   POST /slack/commands      slash commands
 *   POST /slack/interactions  button clicks (payload = JSON form field)
 *   GET  /healthz
 * Every Slack request is size-checked, then verified, before anything else happens; then its
 * response_url must be Slack's and its workspace an allowed one; the app parses, checks who may
 * (core/commands/access.ts) and hands the command off as a `Command Accepted` event, then acks at once.
 * It never calls Amigo or S3: the command worker does that, checks again, and answers via
 * response_url.
 */
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { type AccessPolicy, checkAccess, checkWorkspace, type Requester, requester, responseUrlAllowed } from "../core/commands/access.js";
import { type ChatMessage, type Line, notice, say } from "../core/chat.js";
import { type Command, helpText, parseCommand } from "../core/commands/commands.js";
import { type AcceptedCommand, type CommandAcceptedDetail, event } from "../core/events.js";
import { errorFields, type Logger, silentLogger } from "../core/log.js";
import { type Clock, type EventBus, systemClock } from "../core/ports.js";
import { renderMessage } from "./blocks.js";
import { type ButtonAction, type ButtonClick, isFormEncoded, readInteraction, readSlashCommand, requestIdOf } from "./payloads.js";
import { type Responder, responseUrlResponder } from "./response-url.js";
import { verifySlackRequest } from "./verify.js";

export interface SlackAppOptions {
  signingSecret: string;
  bus: EventBus;
  /** Who may do what, from which workspaces, and where answers may go (core/commands/access.ts). */
  access: AccessPolicy;
  /** Answers button clicks through response_url (default: fetch, 2.5 s timeout). */
  respond?: Responder;
  clock?: Clock;
  /** Largest body accepted, bytes (default 256 KiB); bigger gets 413 before verification. */
  maxBodyBytes?: number;
  log?: Logger;
}

type Verified = { ok: true; params: URLSearchParams; raw: string } | { ok: false; response: Response };

const ephemeral = (message: ChatMessage) => ({ response_type: "ephemeral", ...renderMessage(message) });

/** What a button asks the command worker to do. */
function commandOf(action: ButtonAction): { command: AcceptedCommand; text: string } {
  switch (action.kind) {
    case "rerun":
      return { command: { verb: "run", set: action.setId }, text: `run ${action.setId}` };
    case "cancel":
      return { command: { verb: "cancel", runId: action.runId }, text: `cancel ${action.runId}` };
    case "download":
      return { command: { verb: "download", runId: action.runId, setId: action.setId, key: action.key }, text: `download ${action.runId}` };
  }
}

export function createSlackApp(options: SlackAppOptions): Hono {
  const log = options.log ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const maxBodyBytes = options.maxBodyBytes ?? 256 * 1024;
  const { access } = options;
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

  /** Slack's response_urls are on hooks.slack.com: a signed request naming another host is refused. */
  function foreignResponseUrl(c: Context, route: string, responseUrl: string | undefined): Response | undefined {
    if (responseUrl === undefined || responseUrlAllowed(access, responseUrl)) return undefined;
    log.warn("slack.request.rejected", { route, reason: "response_url" });
    return c.text("Bad Request", 400);
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

  function refused(route: string, who: Requester, reason: string): void {
    log.warn("slack.request.refused", { route, reason, userId: who.userId, ...(who.channelId ? { channelId: who.channelId } : {}) });
  }

  const couldNotQueue = say("error", ["simwatch could not take that command just now (its event bus did not answer). Please try again."]);

  async function answerClick(click: ButtonClick, message: ChatMessage): Promise<void> {
    if (!click.responseUrl) return;
    await respond(click.responseUrl, message, { visibility: "ephemeral", replaceOriginal: false }).catch((error: unknown) =>
      log.warn("slack.respond.failed", { action: click.action.kind, ...errorFields(error) }),
    );
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
    const foreign = foreignResponseUrl(c, "commands", slash.responseUrl);
    if (foreign) return foreign;
    const who = requester({ userId: slash.userId, channelId: slash.channelId, teamIds: [slash.teamId], enterpriseIds: [slash.enterpriseId] });
    const outside = checkWorkspace(access, who);
    if (!outside.ok) {
      refused("commands", who, outside.reason);
      return c.json(ephemeral(say("error", outside.line)));
    }
    const commandWord = /^\/[\w-]{1,32}$/.test(slash.command) ? slash.command : "/sim";

    const parsed = parseCommand(slash.text);
    if (!parsed.ok) return c.json(ephemeral(notice("warning", [[parsed.error], ...parsed.usage.split("\n").map((line): Line => [line])])));
    const command: Command = parsed.command;
    if (command.verb === "help") {
      return c.json(ephemeral(notice("info", helpText(commandWord).split("\n").map((line): Line => [{ code: line.split(":")[0] ?? line }, line.slice(line.indexOf(":"))]), { title: "simwatch commands" })));
    }
    const decision = checkAccess(access, who, command);
    if (!decision.ok) {
      refused("commands", who, decision.reason);
      return c.json(ephemeral(say("error", decision.line)));
    }
    const detail: CommandAcceptedDetail = {
      command,
      text: `${commandWord} ${slash.text}`.trim(),
      userId: slash.userId,
      channelId: slash.channelId,
      requestId: requestIdOf(slash.triggerId, verified.raw),
      ...(slash.userName ? { userName: slash.userName } : {}),
      ...(slash.teamId ? { teamId: slash.teamId } : {}),
      ...(slash.enterpriseId ? { enterpriseId: slash.enterpriseId } : {}),
      ...(slash.responseUrl ? { responseUrl: slash.responseUrl } : {}),
    };
    if (!(await publish(detail))) return c.json(ephemeral(couldNotQueue));
    return c.json(ephemeral(say("info", [":hourglass_flowing_sand: Working on ", { code: detail.text }, "…"])));
  });

  // Every button goes to the command worker, the Download one included: the click is answered
  // at once, whatever S3 or Slack's response_url take, and the worker answers through response_url.
  app.post("/slack/interactions", limit, async (c) => {
    const verified = await readVerified(c, "interactions");
    if (!verified.ok) return verified.response;
    if (verified.params.get("ssl_check") === "1") return c.body(null, 200);
    const read = readInteraction(verified.params);
    if (read.kind === "malformed") return c.text("Bad Request", 400);
    if (read.kind === "ignored") return c.body(null, 200);
    const click = read.click;
    const foreign = foreignResponseUrl(c, "interactions", click.responseUrl);
    if (foreign) return foreign;
    const who = requester({ userId: click.userId, ...(click.channelId ? { channelId: click.channelId } : {}), teamIds: [click.teamId, click.userTeamId], enterpriseIds: [click.enterpriseId] });
    const { command, text } = commandOf(click.action);
    const decision = checkAccess(access, who, command);
    if (!decision.ok) {
      refused("interactions", who, decision.reason);
      await answerClick(click, say("error", decision.line));
      return c.body(null, 200);
    }
    if (!click.channelId) {
      await answerClick(click, say("error", ["This button only works on a message in a channel."]));
      return c.body(null, 200);
    }
    const detail: CommandAcceptedDetail = {
      command,
      text,
      userId: click.userId,
      channelId: click.channelId,
      requestId: requestIdOf(click.triggerId, verified.raw),
      ...(click.userName ? { userName: click.userName } : {}),
      ...(click.teamId ? { teamId: click.teamId } : {}),
      ...(click.userTeamId && click.userTeamId !== click.teamId ? { userTeamId: click.userTeamId } : {}),
      ...(click.enterpriseId ? { enterpriseId: click.enterpriseId } : {}),
      ...(click.responseUrl ? { responseUrl: click.responseUrl } : {}),
      ...(click.messageTs ? { messageTs: click.messageTs } : {}),
    };
    if (!(await publish(detail))) await answerClick(click, couldNotQueue);
    return c.body(null, 200);
  });

  return app;
}
