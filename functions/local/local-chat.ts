/**
 * Local mode's "Slack": messages print in the terminal, and answers to a response_url that
 * is a real HTTP address (as `simwatch slash` gives) are also posted there.
 */
import type { ChatMessage, ChatPort, HomeView, MessageRef, PostOptions, PostTag, RespondOptions } from "../core/chat.js";
import { errorFields, type Logger } from "../core/log.js";
import { responseUrlResponder } from "../slack/response-url.js";
import { TerminalChat } from "./terminal-chat.js";

export class LocalChat implements ChatPort {
  readonly terminal: TerminalChat;
  private readonly respondOverHttp = responseUrlResponder({ timeoutMs: 2000 });

  constructor(
    private readonly logger: Logger,
    write?: (text: string) => void,
  ) {
    this.terminal = new TerminalChat(write ? { write } : {});
  }

  post(channelId: string, message: ChatMessage, options?: PostOptions): Promise<MessageRef> {
    return this.terminal.post(channelId, message, options);
  }

  findPosted(channelId: string, tag: PostTag, options: { since: Date; threadTs?: string }): Promise<MessageRef | undefined> {
    return this.terminal.findPosted(channelId, tag, options);
  }

  update(ref: MessageRef, message: ChatMessage): Promise<void> {
    return this.terminal.update(ref, message);
  }

  publishHome(view: HomeView): Promise<void> {
    return this.terminal.publishHome(view);
  }

  homeFits(view: HomeView): boolean {
    return this.terminal.homeFits(view);
  }

  async respond(responseUrl: string, message: ChatMessage, options: RespondOptions): Promise<void> {
    await this.terminal.respond(responseUrl, message, options);
    if (!/^https?:\/\//.test(responseUrl)) return;
    await this.respondOverHttp(responseUrl, message, options).catch((error: unknown) =>
      this.logger.warn("local.response_url_failed", errorFields(error)),
    );
  }
}
