/**
 * The two kinds of Slack request the app accepts, read from their form bodies into typed
 * values (only the fields simwatch uses). Unknown shapes are `undefined`, never `any`.
 */
import { createHash } from "node:crypto";
import { ACTION_IDS } from "../core/chat.js";
import type { SlackIdentity } from "../core/events.js";
import { isObjectId } from "../core/model/object-id.js";

export interface SlashCommand extends SlackIdentity {
  command: string;
  text: string;
  channelId: string;
}

export type ButtonAction =
  | { kind: "rerun"; setId: string }
  | { kind: "cancel"; runId: string }
  | { kind: "download"; runId: string; setId: string; key: string };

export interface ButtonClick extends SlackIdentity {
  action: ButtonAction;
}

const ID = /^[A-Z0-9][A-Z0-9_-]{0,63}$/i;

function text(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name);
  return value === null || value === "" ? undefined : value;
}

/** A slash command, or undefined when a field simwatch needs is missing or malformed. */
export function readSlashCommand(params: URLSearchParams): SlashCommand | undefined {
  const command = text(params, "command");
  const userId = text(params, "user_id");
  const channelId = text(params, "channel_id");
  if (!command || !userId || !channelId || !ID.test(userId) || !ID.test(channelId)) return undefined;
  const optional = {
    userName: text(params, "user_name"),
    teamId: text(params, "team_id"),
    enterpriseId: text(params, "enterprise_id"),
    responseUrl: text(params, "response_url"),
    triggerId: text(params, "trigger_id"),
  };
  return {
    command,
    text: params.get("text") ?? "",
    userId,
    channelId,
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
  };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function field(value: Json | undefined, ...path: string[]): Json | undefined {
  let current = value;
  for (const name of path) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    current = current[name];
  }
  return current;
}

function str(value: Json | undefined, ...path: string[]): string | undefined {
  const found = field(value, ...path);
  return typeof found === "string" && found !== "" ? found : undefined;
}

function parseJson(raw: string): Json | undefined {
  try {
    return JSON.parse(raw) as Json;
  } catch {
    return undefined;
  }
}

function readAction(actionId: string, rawValue: string | undefined): ButtonAction | undefined {
  const value = rawValue === undefined ? undefined : parseJson(rawValue);
  if (actionId === ACTION_IDS.rerun) {
    const setId = str(value, "setId");
    return setId && isObjectId(setId) ? { kind: "rerun", setId } : undefined;
  }
  if (actionId === ACTION_IDS.cancel) {
    const runId = str(value, "runId");
    return runId && isObjectId(runId) ? { kind: "cancel", runId } : undefined;
  }
  if (actionId === ACTION_IDS.download) {
    const runId = str(value, "runId");
    const setId = str(value, "setId");
    const key = str(value, "key");
    return runId && setId && key && isObjectId(runId) && isObjectId(setId) ? { kind: "download", runId, setId, key } : undefined;
  }
  return undefined;
}

export type InteractionRead =
  | { kind: "button"; click: ButtonClick }
  /** A well-formed payload simwatch has nothing to do with (another type, another action). */
  | { kind: "ignored" }
  | { kind: "malformed" };

/** A `block_actions` payload for one of simwatch's buttons. */
export function readInteraction(params: URLSearchParams): InteractionRead {
  const raw = params.get("payload");
  if (raw === null) return { kind: "malformed" };
  const payload = parseJson(raw);
  if (payload === undefined || payload === null || typeof payload !== "object" || Array.isArray(payload)) return { kind: "malformed" };
  if (str(payload, "type") !== "block_actions") return { kind: "ignored" };
  const actions = field(payload, "actions");
  const first = Array.isArray(actions) ? actions[0] : undefined;
  const actionId = str(first, "action_id");
  const userId = str(payload, "user", "id");
  if (!actionId || !userId || !ID.test(userId)) return { kind: "malformed" };
  if (!Object.values(ACTION_IDS).includes(actionId as (typeof ACTION_IDS)[keyof typeof ACTION_IDS])) return { kind: "ignored" };
  const action = readAction(actionId, str(first, "value"));
  if (!action) return { kind: "malformed" };
  // A click names its channel twice; a payload whose two disagree did not come from Slack as is.
  const channel = str(payload, "channel", "id");
  const container = str(payload, "container", "channel_id");
  if (channel !== undefined && container !== undefined && channel !== container) return { kind: "malformed" };
  // A click on the Home tab (a view) names no channel: it acts as in the person's direct messages with simwatch.
  const fromHome = str(payload, "container", "type") === "view" && channel === undefined && container === undefined;
  const channelId = fromHome ? userId : (channel ?? container);
  const optional = {
    userName: str(payload, "user", "username") ?? str(payload, "user", "name"),
    channelId: channelId && ID.test(channelId) ? channelId : undefined,
    teamId: str(payload, "team", "id"),
    userTeamId: str(payload, "user", "team_id"),
    enterpriseId: str(payload, "enterprise", "id") ?? str(payload, "team", "enterprise_id"),
    responseUrl: str(payload, "response_url"),
    triggerId: str(payload, "trigger_id"),
    messageTs: str(payload, "container", "message_ts") ?? str(payload, "message", "ts"),
  };
  return {
    kind: "button",
    click: { action, userId, ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)) },
  };
}

/** The idempotency key of a Slack request: its trigger_id, else a hash of its body. */
export function requestIdOf(triggerId: string | undefined, rawBody: string): string {
  if (triggerId && /^[\w.-]{1,128}$/.test(triggerId)) return triggerId;
  return createHash("sha256").update(rawBody).digest("hex");
}

/** `application/x-www-form-urlencoded`, with or without parameters such as charset. */
export function isFormEncoded(contentType: string | undefined | null): boolean {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() === "application/x-www-form-urlencoded";
}

/** `application/json` (the Events API), with or without parameters such as charset. */
export function isJson(contentType: string | undefined | null): boolean {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() === "application/json";
}
