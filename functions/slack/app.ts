/**
 * The Slack HTTP endpoints as a Hono app that knows nothing of Lambda:
 *   POST /slack/commands      slash commands
 *   POST /slack/interactions  button clicks (payload = JSON form field)
 *   POST /slack/events        the Events API: url_verification, app_home_opened (the Home tab)
 *   GET  /healthz
 * Every Slack request is size-checked, then verified, then its response_url must be Slack's
 * (request-checks.ts); its workspace must be an allowed one; the app parses, checks who may
 * (core/commands/access.ts) and hands the command off as a `Command Accepted` event, then acks
 * at once. It never calls Amigo or S3: the command worker does that, checks again, and answers
 * via response_url.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { type AccessPolicy, checkAccess, checkWorkspace, type Requester, requester, requesterOf } from "../core/commands/access.js";
import { type ChatMessage, type Line, notice, say } from "../core/chat.js";
import { helpText, parseCommand } from "../core/commands/commands.js";
import { type AcceptedCommand, type CommandAcceptedDetail, event, type SimwatchEvent, type SlackIdentity } from "../core/events.js";
import { errorFields, type Logger, silentLogger } from "../core/log.js";
import { type Clock, type EventBus, systemClock } from "../core/ports.js";
import { renderMessage } from "./blocks.js";
import { type ButtonAction, type ButtonClick, readInteraction, readSlashCommand, requestIdOf, type SlashCommand } from "./payloads.js";
import { type EventsRequest, readEventsRequest } from "./events-api.js";
import { type PayloadRead, type RequestCheckOptions, slackJsonRequest, slackRequest, tooLarge } from "./request-checks.js";
import { type Responder, responseUrlResponder } from "./response-url.js";

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

const ephemeral = (message: ChatMessage) => ({ response_type: "ephemeral", ...renderMessage(message) });

const couldNotQueue = say("error", ["simwatch could not take that command just now (its event bus did not answer). Please try again."]);

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

/** The Command Accepted of a request: its identity as read, its trigger become the request id. */
function acceptedDetail(identity: SlackIdentity & { channelId: string }, command: AcceptedCommand, text: string, rawBody: string, acceptedAt: Date): CommandAcceptedDetail {
  const { triggerId, userTeamId, ...rest } = identity;
  return {
    command,
    text,
    ...rest,
    ...(userTeamId && userTeamId !== identity.teamId ? { userTeamId } : {}),
    requestId: requestIdOf(triggerId, rawBody),
    acceptedAt: acceptedAt.toISOString(),
  };
}

const readSlash = (form: URLSearchParams): PayloadRead<SlashCommand> => {
  const slash = readSlashCommand(form);
  return slash ? { kind: "read", payload: slash } : { kind: "malformed" };
};

const readClick = (form: URLSearchParams): PayloadRead<ButtonClick> => {
  const read = readInteraction(form);
  return read.kind === "button" ? { kind: "read", payload: read.click } : read;
};

export function createSlackApp(options: SlackAppOptions): Hono {
  const log = options.log ?? silentLogger;
  const checks: RequestCheckOptions = {
    signingSecret: options.signingSecret,
    access: options.access,
    clock: options.clock ?? systemClock,
    maxBodyBytes: options.maxBodyBytes ?? 256 * 1024,
    log,
  };
  const respond = options.respond ?? responseUrlResponder({ timeoutMs: 2500 });

  /** Hands one event to the bus; false (logged) when the bus did not take it. */
  async function handOff(accepted: SimwatchEvent, fields: Record<string, string>): Promise<boolean> {
    try {
      await options.bus.publish([accepted]);
      log.info(accepted.detailType === "Command Accepted" ? "slack.command.accepted" : "slack.event.accepted", fields);
      return true;
    } catch (error) {
      log.error(accepted.detailType === "Command Accepted" ? "slack.command.publish_failed" : "slack.event.publish_failed", { ...fields, ...errorFields(error) });
      return false;
    }
  }

  const publish = (detail: CommandAcceptedDetail) => handOff(event("Command Accepted", detail), { verb: detail.command.verb, requestId: detail.requestId });

  /**
   * An Events API request: the handshake answered with its challenge; a Home opened from an
   * allowed workspace handed to the bus (Slack's retries too: the worker claims each event id
   * once). Slack wants 200 within 3 s; a bus that did not answer gets 500, so Slack retries.
   */
  async function answerEvent(request: EventsRequest): Promise<{ status: 200 | 403 | 500; body?: { challenge: string } }> {
    if (request.kind === "url_verification") return { status: 200, body: { challenge: request.challenge } };
    const who = requester({ userId: request.userId, teamIds: [request.teamId], enterpriseIds: [request.enterpriseId] });
    const outside = checkWorkspace(options.access, who);
    if (!outside.ok) {
      refused("events", who, outside.reason);
      return { status: 403 };
    }
    const { kind: _kind, eventTime, ...ids } = request;
    const opened = event("Home Opened", { ...ids, openedAt: new Date(eventTime * 1000).toISOString() });
    return (await handOff(opened, { event: "app_home_opened", eventId: request.eventId })) ? { status: 200 } : { status: 500 };
  }

  function refused(route: string, who: Requester, reason: string): void {
    log.warn("slack.request.refused", { route, reason, userId: who.userId, ...(who.channelId ? { channelId: who.channelId } : {}) });
  }

  /** The answer to a slash command, shown to its sender alone. */
  async function answerSlash(slash: SlashCommand, rawBody: string): Promise<ChatMessage> {
    const who = requesterOf(slash);
    const outside = checkWorkspace(options.access, who);
    if (!outside.ok) {
      refused("commands", who, outside.reason);
      return say("error", outside.line);
    }
    const commandWord = /^\/[\w-]{1,32}$/.test(slash.command) ? slash.command : "/sim";
    const parsed = parseCommand(slash.text);
    if (!parsed.ok) return notice("warning", [[parsed.error], ...parsed.usage.split("\n").map((line): Line => [line])]);
    const { command } = parsed;
    if (command.verb === "help") {
      return notice("info", helpText(commandWord).split("\n").map((line): Line => [{ code: line.split(":")[0] ?? line }, line.slice(line.indexOf(":"))]), { title: "simwatch commands" });
    }
    const decision = checkAccess(options.access, who, command);
    if (!decision.ok) {
      refused("commands", who, decision.reason);
      return say("error", decision.line);
    }
    const { command: _word, text: _text, ...identity } = slash;
    const detail = acceptedDetail(identity, command, `${commandWord} ${slash.text}`.trim(), rawBody, checks.clock.now());
    if (!(await publish(detail))) return couldNotQueue;
    return say("info", [":hourglass_flowing_sand: Working on ", { code: detail.text }, "…"]);
  }

  /** A button's answer, if any, goes through its response_url: the click itself is acked empty. */
  async function acceptClick(click: ButtonClick, rawBody: string): Promise<ChatMessage | undefined> {
    const who = requesterOf(click);
    const { command, text } = commandOf(click.action);
    const decision = checkAccess(options.access, who, command);
    if (!decision.ok) {
      refused("interactions", who, decision.reason);
      return say("error", decision.line);
    }
    const { action: _action, channelId, ...identity } = click;
    if (!channelId) return say("error", ["This button only works on a message in a channel."]);
    return (await publish(acceptedDetail({ ...identity, channelId }, command, text, rawBody, checks.clock.now()))) ? undefined : couldNotQueue;
  }

  async function answerClick(click: ButtonClick, message: ChatMessage | undefined): Promise<void> {
    if (!message || !click.responseUrl) return;
    await respond(click.responseUrl, message, { visibility: "ephemeral", replaceOriginal: false }).catch((error: unknown) =>
      log.warn("slack.respond.failed", { action: click.action.kind, ...errorFields(error) }),
    );
  }

  const app = new Hono();
  const limit = bodyLimit({ maxSize: checks.maxBodyBytes, onError: tooLarge });

  app.get("/healthz", (c) => c.json({ ok: true }));

  app.post("/slack/commands", limit, slackRequest(checks, "commands", readSlash), async (c) =>
    c.json(ephemeral(await answerSlash(c.var.payload, c.var.rawBody))),
  );

  // Every button goes to the command worker, the Download one included: the click is answered
  // at once, whatever S3 or Slack's response_url take, and the worker answers through response_url.
  app.post("/slack/interactions", limit, slackRequest(checks, "interactions", readClick), async (c) => {
    await answerClick(c.var.payload, await acceptClick(c.var.payload, c.var.rawBody));
    return c.body(null, 200);
  });

  app.post("/slack/events", limit, slackJsonRequest(checks, "events", readEventsRequest), async (c) => {
    const answer = await answerEvent(c.var.payload);
    return answer.body ? c.json(answer.body, answer.status) : c.body(null, answer.status);
  });

  return app;
}
