/**
 * `simwatch slash "<text>"`: sends a correctly signed slash command to a running local
 * server, as Slack would, and prints its answer and what arrives at the response_url.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { messageToPlain } from "../slack/plain-text.js";
import { signatureOf } from "../slack/verify.js";
import type { SlackMessage } from "../slack/blocks.js";

export interface SlashOptions {
  url: string;
  signingSecret: string;
  text: string;
  userId: string;
  channelId: string;
  /** How long to wait for answers at the response_url. */
  waitSeconds: number;
  say: (line: string) => void;
}

export async function sendSlash(options: SlashOptions): Promise<number> {
  const replies: SlackMessage[] = [];
  let wake: (() => void) | undefined;
  const listener = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      try {
        replies.push(JSON.parse(body) as SlackMessage);
      } catch {
        replies.push({ text: body } as SlackMessage);
      }
      response.writeHead(200, { "content-type": "text/plain" }).end("ok");
      wake?.();
    });
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const responseUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/response`;
  try {
    const body = new URLSearchParams({
      command: "/sim",
      text: options.text,
      user_id: options.userId,
      user_name: "local",
      channel_id: options.channelId,
      team_id: "TLOCAL",
      response_url: responseUrl,
      trigger_id: `local.${Date.now()}.${Math.random().toString(36).slice(2)}`,
    }).toString();
    const timestamp = String(Math.floor(Date.now() / 1000));
    const response = await fetch(new URL("/slack/commands", options.url), {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": signatureOf(options.signingSecret, timestamp, body),
      },
      body,
    }).catch((error: unknown) => {
      throw new Error(`no simwatch server answers at ${options.url} (start one with npm start): ${error instanceof Error ? error.message : String(error)}`);
    });
    const text = await response.text();
    if (!response.ok) {
      options.say(`The server answered HTTP ${response.status}: ${text}`);
      return 1;
    }
    const ack = text ? (JSON.parse(text) as SlackMessage) : undefined;
    if (ack) options.say(`${messageToPlain(ack)}`);
    const deadline = Date.now() + options.waitSeconds * 1000;
    let shown = 0;
    while (Date.now() < deadline) {
      while (shown < replies.length) options.say(`\n${messageToPlain(replies[shown++] as SlackMessage)}`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, Math.min(500, Math.max(0, deadline - Date.now())));
      });
      // After the first answer, a short grace period catches follow-ups, then we stop.
      if (shown > 0 && replies.length === shown) break;
    }
    while (shown < replies.length) options.say(`\n${messageToPlain(replies[shown++] as SlackMessage)}`);
    return 0;
  } finally {
    listener.close();
  }
}
