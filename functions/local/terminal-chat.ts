/**
 * The local "Slack": a ChatPort that prints each message to the terminal, rendered from
 * the same Block Kit blocks the real one would post, and shows edits as edits of the same
 * numbered message. A Home tab prints the same way, from the blocks views.publish would send.
 */
import type { ChatMessage, ChatPort, HomeView, MessageRef, PostOptions, PostTag, RespondOptions } from "../core/chat.js";
import { renderMessage } from "../slack/blocks.js";
import { homeFits, renderHome } from "../slack/home-blocks.js";
import { messageToPlain } from "../slack/plain-text.js";

export interface TerminalChatOptions {
  write?: (text: string) => void;
}

export interface PrintedMessage {
  ref: MessageRef;
  threadTs?: string;
  tag?: PostTag;
  text: string;
  edits: number;
}

export class TerminalChat implements ChatPort {
  /** Everything shown, by ts (for tests and the CLI). */
  readonly messages = new Map<string, PrintedMessage>();
  private readonly write: (text: string) => void;
  private counter = 0;

  constructor(options: TerminalChatOptions = {}) {
    this.write = options.write ?? ((text) => process.stdout.write(text));
  }

  private show(heading: string, body: string): void {
    const indented = body
      .split("\n")
      .map((line) => `  │ ${line}`)
      .join("\n");
    this.write(`\n  ┌─ ${heading}\n${indented}\n  └─\n`);
  }

  async post(channelId: string, message: ChatMessage, options: PostOptions = {}): Promise<MessageRef> {
    this.counter += 1;
    const ts = `${Math.floor(Date.now() / 1000)}.${String(this.counter).padStart(6, "0")}`;
    const text = messageToPlain(renderMessage(message));
    const ref = { channelId, ts };
    this.messages.set(ts, { ref, text, edits: 0, ...(options.threadTs ? { threadTs: options.threadTs } : {}), ...(options.tag ? { tag: options.tag } : {}) });
    const parent = options.threadTs ? this.messages.get(options.threadTs) : undefined;
    const where = options.threadTs ? `in the thread of message #${parent ? this.numberOf(options.threadTs) : "?"}` : "new message";
    this.show(`#${channelId} · message #${this.counter} · ${where}`, text);
    return ref;
  }

  /** What this terminal printed; a restarted process has printed nothing, and prints again. */
  async findPosted(channelId: string, tag: PostTag, options: { threadTs?: string } = {}): Promise<MessageRef | undefined> {
    for (const printed of this.messages.values()) {
      const sameTag = printed.tag?.runId === tag.runId && printed.tag.what === tag.what;
      if (sameTag && printed.ref.channelId === channelId && printed.threadTs === options.threadTs) return printed.ref;
    }
    return undefined;
  }

  async update(ref: MessageRef, message: ChatMessage): Promise<void> {
    const text = messageToPlain(renderMessage(message));
    const existing = this.messages.get(ref.ts);
    if (existing) {
      existing.text = text;
      existing.edits += 1;
    } else {
      this.messages.set(ref.ts, { ref, text, edits: 1 });
    }
    this.show(`#${ref.channelId} · message #${this.numberOf(ref.ts)} · updated in place`, text);
  }

  async respond(_responseUrl: string, message: ChatMessage, options: RespondOptions): Promise<void> {
    const text = messageToPlain(renderMessage(message));
    this.show(options.visibility === "ephemeral" ? "reply · only visible to you" : "reply · in channel", text);
  }

  /** Each person's Home as last published, as text (for tests and `simwatch home`). */
  readonly homes = new Map<string, string>();

  async publishHome(view: HomeView): Promise<void> {
    this.printHome(view, "published");
  }

  /** Prints a Home as its Block Kit blocks read; `note` says what happened to it. */
  printHome(view: HomeView, note: string): void {
    const text = messageToPlain({ text: "", blocks: renderHome(view).blocks });
    this.homes.set(view.userId, text);
    this.show(`Home of @${view.userId} · ${note}`, text);
  }

  homeFits(view: HomeView): boolean {
    return homeFits(view);
  }

  private numberOf(ts: string): string {
    return String(Number(ts.split(".")[1] ?? "0"));
  }
}
