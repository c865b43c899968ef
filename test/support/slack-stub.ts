/**
 * A stand-in for the Slack Web API and for response_url, on a loopback port. It answers
 * chat.postMessage and chat.update like Slack (form-urlencoded or JSON in, `{ok, ...}` out,
 * HTTP 200 even for `ok:false`), keeps the messages so tests can read the channel, records
 * every call, and can be told to fail the next calls with a Slack error, a 429 with
 * Retry-After, or an HTTP 5xx, or to answer late. response_url posts land at /response/<id>.
 */
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type StubBlock = { type: string; [key: string]: unknown };

export interface StubMessage {
  channel: string;
  ts: string;
  threadTs?: string;
  text: string;
  blocks: StubBlock[];
  /** Earlier versions, oldest first, when the message was edited. */
  history: { text: string; blocks: StubBlock[] }[];
}

export interface StubCall {
  method: string;
  params: Record<string, unknown>;
  authorization: string | undefined;
  status: number;
  answer: unknown;
  /** Date.now() when the call arrived (its effect, a post or an edit, is made right then). */
  at: number;
}

export interface StubResponse {
  id: string;
  body: { response_type?: string; replace_original?: boolean; text?: string; blocks?: StubBlock[] };
}

type Failure = { kind: "error"; error: string } | { kind: "ratelimit"; retryAfter: number } | { kind: "http"; status: number };

export interface SlackStub {
  /** Base URL for SLACK_API_URL, ending in /api/. */
  apiUrl: string;
  token: string;
  calls: StubCall[];
  messages: StubMessage[];
  responses: StubResponse[];
  /** A fresh response_url. */
  responseUrl(id?: string): string;
  /** The next `times` calls of `method` fail as described. */
  failNext(method: string, failure: Failure, times?: number): void;
  /** Posting in this channel answers `error` (e.g. not_in_channel) until cleared. */
  blockChannel(channel: string, error?: string): void;
  /** response_url posts answer this error word (HTTP 404) until cleared. */
  failResponses(error: string | undefined): void;
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
    params[key] = (key === "blocks" || key === "attachments" || key === "metadata") && value.startsWith("[") ? JSON.parse(value) : value;
  }
  return params;
}

export async function startSlackStub(options: { token?: string } = {}): Promise<SlackStub> {
  const token = options.token ?? "xoxb-test-token";
  const calls: StubCall[] = [];
  const messages: StubMessage[] = [];
  const responses: StubResponse[] = [];
  const failures = new Map<string, { failure: Failure; times: number }[]>();
  const blocked = new Map<string, string>();
  let responseFailure: string | undefined;
  let answerDelayMs = 0;
  let tsCounter = 0;
  let responseCounter = 0;

  const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
    response.end(JSON.stringify(body));
  };

  function api(method: string, params: Record<string, unknown>, authorization: string | undefined): { status: number; body: unknown; headers?: Record<string, string> } {
    const queue = failures.get(method);
    const next = queue?.[0];
    if (queue && next) {
      next.times -= 1;
      if (next.times <= 0) queue.shift();
      if (next.failure.kind === "ratelimit") return { status: 429, body: { ok: false, error: "ratelimited" }, headers: { "retry-after": String(next.failure.retryAfter) } };
      if (next.failure.kind === "http") return { status: next.failure.status, body: { ok: false, error: "internal_error" } };
      return { status: 200, body: { ok: false, error: next.failure.error } };
    }
    if (authorization !== `Bearer ${token}`) return { status: 200, body: { ok: false, error: "invalid_auth" } };
    const channel = typeof params.channel === "string" ? params.channel : "";
    const text = typeof params.text === "string" ? params.text : "";
    const blocks = Array.isArray(params.blocks) ? (params.blocks as StubBlock[]) : [];
    if (!channel) return { status: 200, body: { ok: false, error: "channel_not_found" } };
    const refusal = blocked.get(channel);
    if (refusal) return { status: 200, body: { ok: false, error: refusal } };
    if (!text && blocks.length === 0) return { status: 200, body: { ok: false, error: "no_text" } };
    if (blocks.length > 50) return { status: 200, body: { ok: false, error: "invalid_blocks", response_metadata: { messages: ["too many blocks"] } } };

    if (method === "chat.postMessage") {
      tsCounter += 1;
      const ts = `1700000000.${String(tsCounter).padStart(6, "0")}`;
      const threadTs = typeof params.thread_ts === "string" ? params.thread_ts : undefined;
      if (threadTs && !messages.some((m) => m.channel === channel && m.ts === threadTs)) {
        return { status: 200, body: { ok: false, error: "thread_not_found" } };
      }
      messages.push({ channel, ts, text, blocks, history: [], ...(threadTs ? { threadTs } : {}) });
      return { status: 200, body: { ok: true, channel, ts, message: { text, ts } } };
    }
    if (method === "chat.update") {
      const message = messages.find((m) => m.channel === channel && m.ts === params.ts);
      if (!message) return { status: 200, body: { ok: false, error: "message_not_found" } };
      message.history.push({ text: message.text, blocks: message.blocks });
      message.text = text;
      message.blocks = blocks;
      return { status: 200, body: { ok: true, channel, ts: message.ts, text } };
    }
    return { status: 200, body: { ok: false, error: "unknown_method" } };
  }

  const server = createServer((request, response) => {
    void (async () => {
      const raw = await readBody(request);
      const url = new URL(request.url ?? "/", "http://stub");
      if (request.method === "POST" && url.pathname.startsWith("/response/")) {
        const id = url.pathname.slice("/response/".length);
        responses.push({ id, body: raw ? (JSON.parse(raw) as StubResponse["body"]) : {} });
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
        const method = url.pathname.slice("/api/".length);
        const params = parseParams(request.headers["content-type"], raw);
        const authorization = request.headers.authorization;
        const at = Date.now();
        const answer = api(method, params, authorization);
        calls.push({ method, params, authorization, status: answer.status, answer: answer.body, at });
        if (answerDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, answerDelayMs));
        send(response, answer.status, answer.body, answer.headers);
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
    responseUrl: (id) => `${base}/response/${id ?? `r${++responseCounter}`}`,
    failNext(method, failure, times = 1) {
      const queue = failures.get(method) ?? [];
      queue.push({ failure, times });
      failures.set(method, queue);
    },
    blockChannel(channel, error = "not_in_channel") {
      blocked.set(channel, error);
    },
    failResponses(error) {
      responseFailure = error;
    },
    answerLate(ms) {
      answerDelayMs = ms;
    },
    channel: (channel) => messages.filter((m) => m.channel === channel),
    topLevel: (channel) => messages.filter((m) => m.channel === channel && !m.threadTs),
    thread: (channel, ts) => messages.filter((m) => m.channel === channel && m.threadTs === ts),
    reset() {
      calls.length = 0;
      messages.length = 0;
      responses.length = 0;
      failures.clear();
      blocked.clear();
      responseFailure = undefined;
      answerDelayMs = 0;
    },
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** Headers Slack would send with `body`, signed with `secret` at `timestamp` (seconds). */
export function slackHeaders(secret: string, body: string, timestamp: number, contentType = "application/x-www-form-urlencoded"): Record<string, string> {
  const signature = `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
  return { "content-type": contentType, "x-slack-request-timestamp": String(timestamp), "x-slack-signature": signature };
}

/** A slash command body as Slack sends it. */
export function slashBody(fields: Partial<Record<"command" | "text" | "user_id" | "user_name" | "channel_id" | "team_id" | "response_url" | "trigger_id", string>>): string {
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

/** A block_actions body for one button. */
export function buttonBody(options: { actionId: string; value: string; userId?: string; channelId?: string; responseUrl?: string; triggerId?: string; messageTs?: string }): string {
  const payload = {
    type: "block_actions",
    user: { id: options.userId ?? "U0ALICE", username: "alice", team_id: "T0TEAM" },
    team: { id: "T0TEAM" },
    channel: { id: options.channelId ?? "C0GENERAL", name: "general" },
    container: { type: "message", message_ts: options.messageTs ?? "1700000000.000001", channel_id: options.channelId ?? "C0GENERAL" },
    trigger_id: options.triggerId ?? `${Date.now()}.${Math.floor(Math.random() * 1e9)}.fedcba`,
    response_url: options.responseUrl ?? "https://hooks.slack.com/actions/T0TEAM/1/abc",
    actions: [{ type: "button", action_id: options.actionId, block_id: "b1", value: options.value, action_ts: "1700000000.1" }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
