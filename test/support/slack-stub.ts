/**
 * A stand-in for the Slack Web API and for response_url, on a loopback port. It answers
 * chat.postMessage, chat.update, conversations.history and conversations.replies like Slack,
 * and the workspace's directory (conversations.list, users.list and usergroups.list, paged by
 * cursor; conversations.join, refused without the channels:join scope) from setDirectory
 * (form-urlencoded or JSON in, `{ok, ...}` out, HTTP 200 even for `ok:false`), keeps the
 * messages (with their metadata) so tests can read the channel, records every call, and can
 * be told to fail the next calls with a Slack error, a 429 with Retry-After, or an HTTP 5xx,
 * or to carry a post out and then answer too late or drop the connection (an outcome the
 * caller cannot know), or to answer every call late. response_url posts land at /response/<id>.
 * Like Slack, it refuses messages out of Block Kit's bounds (slackRefusal): 50 blocks, each
 * element's limits, and about 12,000 characters of block text in all. views.publish keeps each
 * person's Home tab, refusing views Slack refuses (more than 100 blocks, more than 250 KB, a
 * block out of bounds).
 */
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { useFixture } from "./fixture.js";
import type { SlackIdentity } from "../../functions/core/events.js";

export type StubBlock = { type: string; [key: string]: unknown };

export interface StubMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

export interface StubMessage {
  channel: string;
  ts: string;
  threadTs?: string;
  text: string;
  blocks: StubBlock[];
  metadata?: StubMetadata;
  /** Earlier versions, oldest first, when the message was edited. */
  history: { text: string; blocks: StubBlock[] }[];
}

export interface StubCall {
  method: string;
  params: Record<string, unknown>;
  authorization: string | undefined;
  /** 0 when the connection was dropped without an answer. */
  status: number;
  answer: unknown;
  /** Date.now() when the call arrived (its effect, a post or an edit, is made right then). */
  at: number;
}

export interface StubResponse {
  id: string;
  /** Date.now() when it arrived. */
  at: number;
  body: { response_type?: string; replace_original?: boolean; text?: string; blocks?: StubBlock[] };
}

export interface StubRefusal {
  /** chat.postMessage, chat.update or response_url. */
  method: string;
  error: string;
  text: string;
  blocks: StubBlock[];
}

export interface StubHome {
  blocks: StubBlock[];
  /** How many times it was published. */
  publishes: number;
  /** Bytes of the view's JSON as published. */
  bytes: number;
}

export type Failure =
  | { kind: "error"; error: string }
  | { kind: "ratelimit"; retryAfter: number }
  | { kind: "http"; status: number }
  /** The call is carried out (a post lands), then the answer comes `ms` late. */
  | { kind: "answer-late"; ms: number }
  /** The call is carried out, then the connection is destroyed without an answer. */
  | { kind: "drop-answer" };

/** The workspace the directory calls show, as Slack's objects (only the fields simwatch reads). */
export interface StubDirectory {
  channels: { id: string; name: string; is_private?: boolean; is_member?: boolean }[];
  users: { id: string; name: string; deleted?: boolean; real_name?: string; profile?: { display_name?: string; display_name_normalized?: string } }[];
  usergroups: { id: string; handle: string; name?: string }[];
  /** At most this many items a page (Slack's `limit` is honoured below it): small, to make the caller follow cursors. */
  pageSize: number;
  /** The bot's scopes that matter here: conversations.join needs channels:join. */
  scopes: string[];
}

export interface SlackStub {
  /** Base URL for SLACK_API_URL, ending in /api/. */
  apiUrl: string;
  token: string;
  calls: StubCall[];
  messages: StubMessage[];
  responses: StubResponse[];
  /** Messages refused as built (too many blocks, a block out of bounds, too much text), oldest first. */
  refused: StubRefusal[];
  /** Each person's Home tab as last published (views.publish), by user id. */
  homes: Map<string, StubHome>;
  /** A fresh response_url. */
  responseUrl(id?: string): string;
  /** The next `times` calls of `method` (those `when` matches, if given) fail as described. */
  failNext(method: string, failure: Failure, times?: number, when?: (params: Record<string, unknown>) => boolean): void;
  /** Posting in this channel answers `error` (e.g. not_in_channel) until unblocked. */
  blockChannel(channel: string, error?: string): void;
  /** The app was invited after all: posting in the channel works again. */
  unblockChannel(channel: string): void;
  /**
   * The app is not a member of this channel. Public: it may still post and edit (chat:write.public),
   * but history and replies answer not_in_channel until conversations.join. Private: posting
   * answers not_in_channel too, and it cannot join.
   */
  notMember(channel: string, visibility: "public" | "private"): void;
  /** conversations.history and .replies answer `error` (missing_scope by default) until reset. */
  refuseLookups(error?: string): void;
  /** The workspace's channels, people and groups (empty until set; reset empties them). */
  setDirectory(directory: Partial<StubDirectory>): void;
  directory: StubDirectory;
  /** response_url posts answer this error word (HTTP 404) until cleared. */
  failResponses(error: string | undefined): void;
  /** How many times `method` was called. */
  count(method: string): number;
  /**
   * Every Web API call from now on is answered `ms` late (0: at once). The call takes effect
   * when it arrives, so a caller that dies meanwhile has posted without learning the ts.
   */
  answerLate(ms: number): void;
  channel(channel: string): StubMessage[];
  topLevel(channel: string): StubMessage[];
  thread(channel: string, ts: string): StubMessage[];
  reset(): void;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Carried out, but answered late or not at all. */
  then?: Extract<Failure, { kind: "answer-late" | "drop-answer" }>;
}

const ok = (body: Record<string, unknown>): Answer => ({ status: 200, body: { ok: true, ...body } });
const refuse = (error: string, extra: Record<string, unknown> = {}): Answer => ({ status: 200, body: { ok: false, error, ...extra } });

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function parseParams(contentType: string | undefined, raw: string): Record<string, unknown> {
  if ((contentType ?? "").includes("application/json")) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const params: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const json = (key === "blocks" || key === "attachments" || key === "metadata" || key === "view") && /^[[{]/.test(value);
    params[key] = json ? JSON.parse(value) : value;
  }
  return params;
}

/**
 * Slack's limits, written out here apart from the renderer's (functions/slack/limits.ts), so a
 * renderer that misjudges one is refused as Slack would refuse it rather than agreed with.
 */
const SLACK = { blocks: 50, sectionText: 3000, fields: 10, fieldText: 2000, header: 150, contextElements: 10, actionsElements: 25, buttonText: 75, buttonValue: 2000, actionId: 255, blockId: 255, confirmTitle: 100, confirmText: 300, confirmButton: 30, blockText: 12_000, text: 40_000 } as const;

type Obj = Record<string, unknown>;
const textOf = (object: unknown): string => (typeof object === "object" && object !== null && typeof (object as Obj).text === "string" ? ((object as Obj).text as string) : "");
const tooLong = (object: unknown, max: number) => textOf(object).length > max;

function elementProblems(element: Obj, at: string): string[] {
  const problems: string[] = [];
  if (element.type !== "button") return problems;
  if (tooLong(element.text, SLACK.buttonText)) problems.push(`${at}/text: more than ${SLACK.buttonText} characters`);
  if (typeof element.value === "string" && element.value.length > SLACK.buttonValue) problems.push(`${at}/value: more than ${SLACK.buttonValue} characters`);
  if (typeof element.action_id === "string" && element.action_id.length > SLACK.actionId) problems.push(`${at}/action_id: too long`);
  const confirm = element.confirm as Obj | undefined;
  if (confirm) {
    if (tooLong(confirm.title, SLACK.confirmTitle)) problems.push(`${at}/confirm/title: more than ${SLACK.confirmTitle} characters`);
    if (tooLong(confirm.text, SLACK.confirmText)) problems.push(`${at}/confirm/text: more than ${SLACK.confirmText} characters`);
    for (const button of ["confirm", "deny"]) if (tooLong(confirm[button], SLACK.confirmButton)) problems.push(`${at}/confirm/${button}: more than ${SLACK.confirmButton} characters`);
  }
  return problems;
}

function blockProblems(block: StubBlock, at: string): string[] {
  const problems: string[] = [];
  const list = (key: string) => (Array.isArray(block[key]) ? (block[key] as Obj[]) : []);
  if (typeof block.block_id === "string" && block.block_id.length > SLACK.blockId) problems.push(`${at}/block_id: too long`);
  if (block.type === "section") {
    if (block.text !== undefined && (tooLong(block.text, SLACK.sectionText) || textOf(block.text).length === 0)) problems.push(`${at}/text: must be 1 to ${SLACK.sectionText} characters`);
    if (block.text === undefined && list("fields").length === 0) problems.push(`${at}: needs text or fields`);
    if (list("fields").length > SLACK.fields) problems.push(`${at}/fields: more than ${SLACK.fields} items`);
    list("fields").forEach((field, i) => tooLong(field, SLACK.fieldText) && problems.push(`${at}/fields/${i}: more than ${SLACK.fieldText} characters`));
  } else if (block.type === "header") {
    if (tooLong(block.text, SLACK.header) || (block.text as Obj | undefined)?.type !== "plain_text") problems.push(`${at}/text: plain_text of at most ${SLACK.header} characters`);
  } else if (block.type === "context") {
    if (list("elements").length > SLACK.contextElements) problems.push(`${at}/elements: more than ${SLACK.contextElements} items`);
    list("elements").forEach((element, i) => tooLong(element, SLACK.sectionText) && problems.push(`${at}/elements/${i}: more than ${SLACK.sectionText} characters`));
  } else if (block.type === "actions") {
    if (list("elements").length > SLACK.actionsElements) problems.push(`${at}/elements: more than ${SLACK.actionsElements} items`);
    list("elements").forEach((element, i) => problems.push(...elementProblems(element, `${at}/elements/${i}`)));
  }
  return problems;
}

/** Every `text` string in the blocks, added up. */
function blockText(value: unknown): number {
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + blockText(item), 0);
  if (value === null || typeof value !== "object") return 0;
  return Object.entries(value).reduce((sum, [key, inner]) => sum + (key === "text" && typeof inner === "string" ? inner.length : blockText(inner)), 0);
}

/** What Slack answers a message it will not take: `invalid_blocks` for a block out of bounds, `msg_blocks_too_long` for too much text in all. */
export function slackRefusal(text: string, blocks: readonly object[]): { error: string; messages: string[] } | undefined {
  const problems = blocks.length > SLACK.blocks ? [`/blocks: more than ${SLACK.blocks} items`] : blocks.flatMap((block, i) => blockProblems(block as StubBlock, `/blocks/${i}`));
  if (problems.length > 0) return { error: "invalid_blocks", messages: problems.map((problem) => `[ERROR] ${problem}`) };
  if (blockText(blocks) > SLACK.blockText) return { error: "msg_blocks_too_long", messages: [] };
  if (text.length > SLACK.text) return { error: "msg_too_long", messages: [] };
  return undefined;
}

/** A Home tab's limits (views.publish): 100 blocks, 250 KB of view. */
const HOME = { blocks: 100, bytes: 250 * 1024 } as const;

/** What Slack answers a Home view it will not take. */
export function homeRefusal(view: unknown): { error: string; messages: string[] } | undefined {
  if (typeof view !== "object" || view === null || (view as Obj).type !== "home" || !Array.isArray((view as Obj).blocks)) return { error: "invalid_arguments", messages: ["[ERROR] view must be a home view with blocks"] };
  const blocks = (view as Obj).blocks as StubBlock[];
  if (Buffer.byteLength(JSON.stringify(view), "utf8") > HOME.bytes) return { error: "view_too_large", messages: [] };
  const problems = blocks.length > HOME.blocks ? [`/view/blocks: must provide at most ${HOME.blocks} items`] : blocks.flatMap((block, i) => blockProblems(block, `/view/blocks/${i}`));
  return problems.length > 0 ? { error: "invalid_arguments", messages: problems.map((problem) => `[ERROR] ${problem}`) } : undefined;
}

const isTrue = (value: unknown) => value === true || value === "true" || value === "1";

/** Slack's cursor paging over `items`: `limit` (default 100), an opaque `cursor`. */
function pageOf<T>(items: readonly T[], params: Record<string, unknown>): { items: T[]; has_more: boolean; next_cursor: string } {
  const limit = Math.min(Math.max(Number(params.limit ?? 100) || 100, 1), 999);
  const cursor = typeof params.cursor === "string" && params.cursor !== "" ? params.cursor : undefined;
  const offset = cursor === undefined ? 0 : Number(Buffer.from(cursor, "base64").toString("utf8").replace("offset:", ""));
  const end = offset + limit;
  const has_more = end < items.length;
  return { items: items.slice(offset, end), has_more, next_cursor: has_more ? Buffer.from(`offset:${end}`).toString("base64") : "" };
}

/** A message as history and replies show it; metadata only when asked for. */
function shown(message: StubMessage, replies: number, params: Record<string, unknown>): Record<string, unknown> {
  return {
    type: "message",
    ts: message.ts,
    text: message.text,
    blocks: message.blocks,
    bot_id: "B0SIMWATCH",
    ...(message.threadTs ? { thread_ts: message.threadTs } : replies > 0 ? { thread_ts: message.ts, reply_count: replies } : {}),
    ...(message.metadata && isTrue(params.include_all_metadata) ? { metadata: message.metadata } : {}),
  };
}

/** The stand-in of a test file (see useFixture), emptied before each test. */
export function useSlackStub(): Omit<SlackStub, "close"> {
  return useFixture("useSlackStub()", () => startSlackStub(), (stub) => stub.reset());
}

export async function startSlackStub(options: { token?: string } = {}): Promise<SlackStub> {
  const token = options.token ?? "xoxb-test-token";
  const calls: StubCall[] = [];
  const messages: StubMessage[] = [];
  const responses: StubResponse[] = [];
  const refused: StubRefusal[] = [];
  const homes = new Map<string, StubHome>();
  const failures = new Map<string, { failure: Failure; times: number; when?: (params: Record<string, unknown>) => boolean }[]>();
  const blocked = new Map<string, string>();
  const outside = new Map<string, "public" | "private">();
  let lookupRefusal: string | undefined;
  const emptyDirectory = (): StubDirectory => ({ channels: [], users: [], usergroups: [], pageSize: 1000, scopes: ["channels:read", "groups:read", "users:read", "usergroups:read", "channels:join"] });
  const directory: StubDirectory = emptyDirectory();
  let responseFailure: string | undefined;
  let answerDelayMs = 0;
  let tsCounter = 0;
  let responseCounter = 0;

  const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (response.destroyed) return;
    response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
    response.end(JSON.stringify(body));
  };

  /** The first failure queued for `method` whose `when` (if any) matches the call. */
  function takeFailure(method: string, params: Record<string, unknown>): Failure | undefined {
    const queue = failures.get(method);
    const index = queue?.findIndex((entry) => entry.when === undefined || entry.when(params)) ?? -1;
    const next = queue?.[index];
    if (!queue || !next) return undefined;
    next.times -= 1;
    if (next.times <= 0) queue.splice(index, 1);
    return next.failure;
  }


  function postMessage(channel: string, params: Record<string, unknown>, text: string, blocks: StubBlock[]): Answer {
    const threadTs = typeof params.thread_ts === "string" ? params.thread_ts : undefined;
    if (threadTs && !messages.some((m) => m.channel === channel && m.ts === threadTs)) return refuse("thread_not_found");
    const metadata = params.metadata as StubMetadata | undefined;
    tsCounter += 1;
    // Wall-clock seconds, like Slack's, so `oldest` bounds work; the counter keeps them unique.
    const ts = `${Math.floor(Date.now() / 1000)}.${String(tsCounter).padStart(6, "0")}`;
    messages.push({ channel, ts, text, blocks, history: [], ...(threadTs ? { threadTs } : {}), ...(metadata ? { metadata } : {}) });
    return ok({ channel, ts, message: { text, ts } });
  }

  function update(channel: string, params: Record<string, unknown>, text: string, blocks: StubBlock[]): Answer {
    const message = messages.find((m) => m.channel === channel && m.ts === params.ts);
    if (!message) return refuse("message_not_found");
    message.history.push({ text: message.text, blocks: message.blocks });
    message.text = text;
    message.blocks = blocks;
    return ok({ channel, ts: message.ts, text });
  }

  const after = (params: Record<string, unknown>) => (m: StubMessage) =>
    params.oldest === undefined || (isTrue(params.inclusive) ? m.ts >= String(params.oldest) : m.ts > String(params.oldest));
  const repliesTo = (channel: string, ts: string) => messages.filter((m) => m.channel === channel && m.threadTs === ts);

  function lookup(method: string, channel: string, params: Record<string, unknown>): Answer {
    if (lookupRefusal) return refuse(lookupRefusal, { needed: "channels:history,groups:history", provided: "commands,chat:write,chat:write.public" });
    let found: StubMessage[];
    if (method === "conversations.history") {
      // Top-level messages, newest first, like Slack.
      found = messages.filter((m) => m.channel === channel && !m.threadTs && after(params)(m)).reverse();
    } else {
      const parent = messages.find((m) => m.channel === channel && m.ts === params.ts && !m.threadTs);
      if (!parent) return refuse("thread_not_found");
      // The parent first, then its replies oldest first, like Slack.
      found = [parent, ...repliesTo(channel, parent.ts).filter(after(params))];
    }
    const page = pageOf(found, params);
    return ok({
      messages: page.items.map((m) => shown(m, repliesTo(channel, m.ts).length, params)),
      has_more: page.has_more,
      response_metadata: { next_cursor: page.next_cursor },
    });
  }

  /** What Slack answers a non-member: history refused, joining a public channel makes it a member. */
  function membershipAnswer(method: string, channel: string): Answer | undefined {
    const visibility = outside.get(channel);
    if (method === "conversations.join") {
      if (visibility === "private") return refuse("method_not_supported_for_channel_type");
      outside.delete(channel);
      return ok({ channel: { id: channel, is_member: true } });
    }
    if (visibility === undefined) return undefined;
    if (method === "conversations.history" || method === "conversations.replies") return refuse("not_in_channel");
    return visibility === "private" && method === "chat.postMessage" ? refuse("not_in_channel") : undefined;
  }

  function publishHome(params: Record<string, unknown>): Answer {
    const userId = typeof params.user_id === "string" ? params.user_id : "";
    if (!/^[UW][A-Z0-9]+$/.test(userId)) return refuse("user_not_found");
    const refusal = homeRefusal(params.view);
    const blocks = ((params.view as Obj | undefined)?.blocks ?? []) as StubBlock[];
    if (refusal) {
      refused.push({ method: "views.publish", error: refusal.error, text: "", blocks });
      return refuse(refusal.error, { response_metadata: { messages: refusal.messages } });
    }
    const published = homes.get(userId);
    homes.set(userId, { blocks, publishes: (published?.publishes ?? 0) + 1, bytes: Buffer.byteLength(JSON.stringify(params.view), "utf8") });
    return ok({ view: { id: `V${userId}`, type: "home", blocks } });
  }

  /** conversations.list, users.list, usergroups.list (a page at a time) and conversations.join, or undefined for other methods. */
  function directoryCall(method: string, params: Record<string, unknown>): Answer | undefined {
    const paged = <T>(items: readonly T[], key: string) => {
      const page = pageOf(items, { ...params, limit: Math.min(Number(params.limit ?? directory.pageSize) || directory.pageSize, directory.pageSize) });
      return ok({ [key]: page.items, response_metadata: { next_cursor: page.next_cursor } });
    };
    if (method === "conversations.list") return paged(directory.channels, "channels");
    if (method === "users.list") return paged(directory.users, "members");
    if (method === "usergroups.list") return paged(directory.usergroups, "usergroups");
    if (method !== "conversations.join" || !directory.channels.some((c) => c.id === params.channel)) return undefined;
    if (!directory.scopes.includes("channels:join")) return refuse("missing_scope", { needed: "channels:join" });
    const channel = directory.channels.find((c) => c.id === params.channel);
    if (!channel) return undefined;
    if (channel.is_private) return refuse("method_not_supported_for_channel_type");
    channel.is_member = true;
    blocked.delete(channel.id);
    outside.delete(channel.id);
    return ok({ channel: { id: channel.id, name: channel.name } });
  }

  function carryOut(method: string, params: Record<string, unknown>, authorization: string | undefined): Answer {
    if (authorization !== `Bearer ${token}`) return refuse("invalid_auth");
    if (method === "views.publish") return publishHome(params);
    const listed = directoryCall(method, params);
    if (listed) return listed;
    const channel = typeof params.channel === "string" ? params.channel : "";
    if (!channel) return refuse("channel_not_found");
    const blockedWith = blocked.get(channel);
    if (blockedWith) return refuse(blockedWith);
    const membership = membershipAnswer(method, channel);
    if (membership) return membership;
    if (method === "conversations.history" || method === "conversations.replies") return lookup(method, channel, params);
    const text = typeof params.text === "string" ? params.text : "";
    const blocks = Array.isArray(params.blocks) ? (params.blocks as StubBlock[]) : [];
    if (!text && blocks.length === 0) return refuse("no_text");
    const refusal = slackRefusal(text, blocks);
    if (refusal) {
      refused.push({ method, error: refusal.error, text, blocks });
      return refuse(refusal.error, { response_metadata: { messages: refusal.messages } });
    }
    if (method === "chat.postMessage") return postMessage(channel, params, text, blocks);
    if (method === "chat.update") return update(channel, params, text, blocks);
    return refuse("unknown_method");
  }

  function api(method: string, params: Record<string, unknown>, authorization: string | undefined): Answer {
    const failure = takeFailure(method, params);
    if (failure?.kind === "ratelimit") return { status: 429, body: { ok: false, error: "ratelimited" }, headers: { "retry-after": String(failure.retryAfter) } };
    if (failure?.kind === "http") return { status: failure.status, body: { ok: false, error: "internal_error" } };
    if (failure?.kind === "error") return refuse(failure.error);
    const answer = carryOut(method, params, authorization);
    return failure === undefined ? answer : { ...answer, then: failure };
  }

  function answerApi(request: IncomingMessage, response: ServerResponse, method: string, raw: string): void {
    const params = parseParams(request.headers["content-type"], raw);
    const authorization = request.headers.authorization;
    const answer = api(method, params, authorization);
    const dropped = answer.then?.kind === "drop-answer";
    calls.push({ method, params, authorization, status: dropped ? 0 : answer.status, answer: dropped ? undefined : answer.body, at: Date.now() });
    if (dropped) {
      request.socket.destroy();
      return;
    }
    const delayMs = answer.then?.kind === "answer-late" ? answer.then.ms : answerDelayMs;
    const reply = () => send(response, answer.status, answer.body, answer.headers);
    if (delayMs > 0) setTimeout(reply, delayMs).unref();
    else reply();
  }

  const server = createServer((request, response) => {
    void (async () => {
      const raw = await readBody(request);
      const url = new URL(request.url ?? "/", "http://stub");
      if (request.method === "POST" && url.pathname.startsWith("/response/")) {
        const id = url.pathname.slice("/response/".length);
        const body = raw ? (JSON.parse(raw) as StubResponse["body"]) : {};
        const refusal = slackRefusal(body.text ?? "", body.blocks ?? []);
        if (refusal) {
          refused.push({ method: "response_url", error: refusal.error, text: body.text ?? "", blocks: body.blocks ?? [] });
          send(response, 400, { ok: false, error: refusal.error, response_metadata: { messages: refusal.messages } });
          return;
        }
        responses.push({ id, at: Date.now(), body });
        if (responseFailure) {
          response.writeHead(404, { "content-type": "text/plain" });
          response.end(responseFailure);
          return;
        }
        response.writeHead(200, { "content-type": "text/plain" });
        response.end("ok");
        return;
      }
      if (request.method === "POST" && url.pathname.startsWith("/api/")) {
        answerApi(request, response, url.pathname.slice("/api/".length), raw);
        return;
      }
      send(response, 404, { ok: false, error: "not_found" });
    })().catch((error: unknown) => send(response, 500, { ok: false, error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  return {
    apiUrl: `${base}/api/`,
    token,
    calls,
    messages,
    responses,
    refused,
    homes,
    responseUrl: (id) => `${base}/response/${id ?? `r${++responseCounter}`}`,
    failNext(method, failure, times = 1, when) {
      const queue = failures.get(method) ?? [];
      queue.push({ failure, times, ...(when ? { when } : {}) });
      failures.set(method, queue);
    },
    notMember(channel, visibility) {
      outside.set(channel, visibility);
    },
    blockChannel(channel, error = "not_in_channel") {
      blocked.set(channel, error);
    },
    unblockChannel(channel) {
      blocked.delete(channel);
    },
    refuseLookups(error = "missing_scope") {
      lookupRefusal = error;
    },
    directory,
    setDirectory(update) {
      Object.assign(directory, update);
    },
    failResponses(error) {
      responseFailure = error;
    },
    count: (method) => calls.filter((call) => call.method === method).length,
    answerLate(ms) {
      answerDelayMs = ms;
    },
    channel: (channel) => messages.filter((m) => m.channel === channel),
    topLevel: (channel) => messages.filter((m) => m.channel === channel && !m.threadTs),
    thread: (channel, ts) => repliesTo(channel, ts),
    reset() {
      calls.length = 0;
      messages.length = 0;
      responses.length = 0;
      refused.length = 0;
      homes.clear();
      failures.clear();
      blocked.clear();
      outside.clear();
      lookupRefusal = undefined;
      Object.assign(directory, emptyDirectory());
      responseFailure = undefined;
      answerDelayMs = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Answers held back on purpose must not keep the server open.
        server.closeAllConnections();
      }),
  };
}

/** Headers Slack would send with `body`, signed with `secret` at `timestamp` (seconds). */
export function slackHeaders(secret: string, body: string, timestamp: number, contentType = "application/x-www-form-urlencoded"): Record<string, string> {
  const signature = `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
  return { "content-type": contentType, "x-slack-request-timestamp": String(timestamp), "x-slack-signature": signature };
}

/** A slash command body as Slack sends it. */
export function slashBody(
  fields: Partial<Record<"command" | "text" | "user_id" | "user_name" | "channel_id" | "team_id" | "enterprise_id" | "response_url" | "trigger_id", string>>,
): string {
  return new URLSearchParams({
    token: "deprecated-verification-token",
    team_id: "T0TEAM",
    channel_id: "C0GENERAL",
    user_id: "U0ALICE",
    user_name: "alice",
    command: "/sim",
    text: "",
    trigger_id: `${Date.now()}.${Math.floor(Math.random() * 1e9)}.abcdef`,
    ...fields,
  }).toString();
}

/**
 * A block_actions body for one button. `teamId` is the workspace of the click (team.id),
 * `userTeamId` the clicker's own (user.team_id; another company's in Slack Connect, the E… id
 * on Enterprise Grid), `enterpriseId` the organization's (enterprise.id, team.enterprise_id).
 */
export function buttonBody(
  options: Partial<SlackIdentity> & {
    actionId: string;
    value: string;
    /** container.channel_id, when it should differ from channel.id. */
    containerChannelId?: string;
    /** A click on the Home tab: a view, with no channel and no response_url, as Slack sends it. */
    fromHome?: boolean;
  },
): string {
  const teamId = options.teamId ?? "T0TEAM";
  const enterprise = options.enterpriseId ? { enterprise_id: options.enterpriseId } : {};
  if (options.fromHome) {
    const payload = {
      type: "block_actions",
      user: { id: options.userId ?? "U0ALICE", username: "alice", team_id: options.userTeamId ?? teamId },
      team: { id: teamId, ...enterprise },
      container: { type: "view", view_id: "V0HOME" },
      view: { id: "V0HOME", type: "home", team_id: teamId },
      trigger_id: options.triggerId ?? `${Date.now()}.${Math.floor(Math.random() * 1e9)}.home`,
      actions: [{ type: "button", action_id: options.actionId, block_id: "home-3", value: options.value, action_ts: "1700000000.1" }],
    };
    return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  }
  const payload = {
    type: "block_actions",
    user: { id: options.userId ?? "U0ALICE", username: "alice", team_id: options.userTeamId ?? teamId },
    team: { id: teamId, ...enterprise },
    ...(options.enterpriseId ? { enterprise: { id: options.enterpriseId, name: "Org" } } : {}),
    channel: { id: options.channelId ?? "C0GENERAL", name: "general" },
    container: { type: "message", message_ts: options.messageTs ?? "1700000000.000001", channel_id: options.containerChannelId ?? options.channelId ?? "C0GENERAL" },
    trigger_id: options.triggerId ?? `${Date.now()}.${Math.floor(Math.random() * 1e9)}.fedcba`,
    response_url: options.responseUrl ?? "https://hooks.slack.com/actions/T0TEAM/1/abc",
    actions: [{ type: "button", action_id: options.actionId, block_id: "b1", value: options.value, action_ts: "1700000000.1" }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** An Events API `event_callback` body as Slack sends it; `event` defaults to `app_home_opened` on the Home tab. */
export function eventBody(
  options: { userId?: string; teamId?: string; enterpriseId?: string; eventId?: string; eventTime?: number; event?: Record<string, unknown> } = {},
): string {
  const userId = options.userId ?? "U0ALICE";
  const teamId = options.teamId ?? "T0TEAM";
  return JSON.stringify({
    token: "deprecated-verification-token",
    team_id: teamId,
    ...(options.enterpriseId ? { enterprise_id: options.enterpriseId } : {}),
    api_app_id: "A0SIMWATCH",
    event: options.event ?? { type: "app_home_opened", user: userId, channel: "D0HOME", tab: "home", event_ts: `${Math.floor(Date.now() / 1000)}.000100` },
    type: "event_callback",
    event_id: options.eventId ?? `Ev${Date.now().toString(36).toUpperCase()}${Math.floor(Math.random() * 1e9)}`,
    event_time: options.eventTime ?? Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: options.enterpriseId ?? null, team_id: teamId, user_id: "U0SIMWATCHBOT", is_bot: true }],
    is_ext_shared_channel: false,
  });
}

/** Headers of an Events API request: JSON, signed like every Slack request. */
export const eventHeaders = (secret: string, body: string, timestamp: number, retry?: number): Record<string, string> => ({
  ...slackHeaders(secret, body, timestamp, "application/json"),
  ...(retry === undefined ? {} : { "x-slack-retry-num": String(retry), "x-slack-retry-reason": "http_timeout" }),
});
