/**
 * Slack's limits on a message, and the one measure of its size that every sender uses.
 *
 * Per element, from the Block Kit reference: 50 blocks; a section's text 3,000 characters, its
 * fields 10 of 2,000; a header 150; a context block 10 elements; an actions block 25 elements;
 * a button's text 75 and value 2,000; a confirm dialog's title 100, text 300, buttons 30.
 * In total, Slack refuses blocks whose texts add up to roughly 12,000 characters with
 * `msg_blocks_too_long` (undocumented; bolt-js #2509, #2867: refused at 11,341 counted this way
 * with a few container blocks), so every message keeps its block text under 11,000.
 */
import type { ActionsBlock, ContextBlock, KnownBlock } from "@slack/web-api";
import { ChatError } from "../core/chat.js";
import { truncateMrkdwn } from "./escape.js";

export const LIMITS = {
  blocks: 50,
  sectionText: 3000,
  header: 150,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  /** All the texts of a message's blocks together (Slack refuses at about 12,000). */
  blockText: 11_000,
  /** Our own cap for the `text` fallback (Slack truncates at 40,000). */
  fallbackText: 3000,
} as const;

/** Every `text` string in the blocks, added up: the size Slack's msg_blocks_too_long is about. */
export function blockTextLength(blocks: unknown): number {
  if (Array.isArray(blocks)) return blocks.reduce<number>((sum, item) => sum + blockTextLength(item), 0);
  if (blocks === null || typeof blocks !== "object") return 0;
  let sum = 0;
  for (const [key, value] of Object.entries(blocks)) sum += key === "text" && typeof value === "string" ? value.length : blockTextLength(value);
  return sum;
}

export function contextBlock(texts: readonly string[]): ContextBlock {
  return {
    type: "context",
    elements: texts
      .slice(0, LIMITS.contextElements)
      .map((text) => ({ type: "mrkdwn" as const, text: truncateMrkdwn(text || " ", LIMITS.sectionText), verbatim: true })),
  };
}

/**
 * Keeps a message within 50 blocks and the block-text budget: `actions` (last) always stay, the
 * body is kept from the top for as long as it fits, and when anything is left out, `cutNote`
 * says so and where the rest is.
 */
export function fitBlocks(body: readonly KnownBlock[], actions: ActionsBlock | undefined, cutNote: string): KnownBlock[] {
  const tail = actions ? [actions] : [];
  const whole = [...body, ...tail];
  if (whole.length <= LIMITS.blocks && blockTextLength(whole) <= LIMITS.blockText) return whole;
  const note = contextBlock([cutNote]);
  const room = LIMITS.blockText - blockTextLength([note, ...tail]);
  const kept: KnownBlock[] = [];
  let used = 0;
  for (const block of body) {
    const size = blockTextLength(block);
    if (kept.length >= LIMITS.blocks - 1 - tail.length || used + size > room) break;
    kept.push(block);
    used += size;
  }
  return [...kept, note, ...tail];
}

/** Slack's answers to a message it will not take as built (too big, or a block it rejects). */
const REFUSED_AS_BUILT = new Set(["msg_blocks_too_long", "invalid_blocks", "invalid_blocks_format", "msg_too_long", "too_many_blocks"]);

export function refusedAsBuilt(error: unknown): boolean {
  return error instanceof ChatError && REFUSED_AS_BUILT.has(error.code);
}

/**
 * Sends the first of `renderings` (largest first) that Slack takes. A refusal of the message as
 * built is definite (nothing was posted or changed), so the next, smaller one is safe to send.
 */
export async function sendFirstTaken<T, R>(renderings: readonly R[], send: (rendering: R) => Promise<T>): Promise<T> {
  let refusal: unknown;
  for (const rendering of renderings) {
    try {
      return await send(rendering);
    } catch (error) {
      if (!refusedAsBuilt(error)) throw error;
      refusal = error;
    }
  }
  throw refusal;
}
