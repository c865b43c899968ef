/**
 * Block Kit back to readable plain text: what the terminal "Slack" prints, derived from the
 * very blocks Slack would get, so both show the same content.
 */
import type { KnownBlock } from "@slack/web-api";
import { localTime } from "../core/util/time-words.js";
import type { SlackMessage } from "./blocks.js";

const EMOJI: Record<string, string> = {
  hourglass_flowing_sand: "⏳",
  white_check_mark: "✅",
  x: "❌",
  warning: "⚠️",
  no_entry_sign: "🚫",
  red_circle: "🔴",
  large_green_circle: "🟢",
  white_circle: "⚪",
  large_yellow_circle: "🟡",
};

/** mrkdwn to plain text: markup to its readable form (dates in local time), entities decoded, emoji codes to emoji. */
export function mrkdwnToPlain(text: string): string {
  return text
    .replace(/<!date\^(\d+)\^[^|>]*\|[^>]*>/g, (_m, seconds: string) => localTime(new Date(Number(seconds) * 1000)))
    .replace(/<@([A-Z0-9]+)(?:\|[^>]*)?>/g, "@$1")
    .replace(/<#([A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, name?: string) => `#${name ?? id}`)
    .replace(/<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, name?: string) => name ?? `@${id}`)
    .replace(/<!(here|channel|everyone)>/g, "@$1")
    .replace(/<(https?:[^|>]+)\|([^>]*)>/g, "$2 ($1)")
    .replace(/<(https?:[^>]+)>/g, "$1")
    .replace(/:([a-z_]+):/g, (match, name: string) => EMOJI[name] ?? match)
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,:;!?])/gm, "$1$2")
    .replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,:;!?])/gm, "$1$2")
    .replace(/`([^`\n]+)`/g, "$1")
    .replaceAll("\u2060", "")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}

function blockToLines(block: KnownBlock): string[] {
  switch (block.type) {
    case "header":
      return [mrkdwnToPlain(block.text.text).toUpperCase()];
    case "section": {
      const accessory = block.accessory && "text" in block.accessory && block.accessory.text ? `  [${block.accessory.text.text}]` : "";
      const lines = block.text ? [`${mrkdwnToPlain(block.text.text)}${accessory}`] : [];
      for (const field of block.fields ?? []) lines.push(mrkdwnToPlain(field.text).replace("\n", ": "));
      return lines;
    }
    case "context":
      return [block.elements.map((element) => ("text" in element ? mrkdwnToPlain(element.text) : "")).join("  ")];
    case "actions":
      // A link button shows where it leads: a terminal has nothing to click.
      return [block.elements.map((element) => ("text" in element && element.text ? `[${element.text.text}]${"url" in element && element.url ? ` ${element.url}` : ""}` : "")).join(" ")];
    case "divider":
      return ["────"];
    default:
      return [];
  }
}

export function messageToPlain(message: SlackMessage): string {
  const lines = message.blocks.flatMap(blockToLines);
  return (lines.length > 0 ? lines : [mrkdwnToPlain(message.text)]).join("\n");
}
