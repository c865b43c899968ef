/**
 * The Home tab in Block Kit: each HomeBlock is exactly one block (so the builder's count is
 * Slack's), each line rendered like every other message's (mrkdwn.ts), and `homeFits` the
 * measure the builder keeps within: at most 100 blocks and 250 KB of view JSON.
 */
import type { Button, KnownBlock } from "@slack/web-api";
import type { HomeBlock, HomeButton, HomeView } from "../core/chat.js";
import { HOME_LIMITS } from "../core/home/home-view.js";
import { button, header, linkButton, section } from "./blocks.js";
import { contextBlock } from "./limits.js";
import { lineMarkup } from "./mrkdwn.js";

function homeButton(choice: HomeButton): Button | undefined {
  return choice.kind === "link" ? linkButton(choice.url, choice.label) : button(choice);
}

function homeBlock(block: HomeBlock, index: number): KnownBlock {
  switch (block.kind) {
    case "header":
      return header(block.text);
    case "lines":
      return section(block.lines.map(lineMarkup).join("\n"));
    case "item": {
      const accessory = block.button ? homeButton(block.button) : undefined;
      return { ...section(lineMarkup(block.line)), ...(accessory ? { accessory } : {}) };
    }
    case "buttons": {
      // A Run and an Open report beside each other; block ids keep two sets' buttons apart.
      const elements = block.buttons.map(homeButton).filter((b): b is Button => b !== undefined);
      return elements.length > 0 ? { type: "actions", block_id: `home-${index}`, elements } : contextBlock([" "]);
    }
    case "context":
      return contextBlock([lineMarkup(block.line)]);
    case "divider":
      return { type: "divider" };
  }
}

/** What views.publish takes as `view`. */
export interface HomeTab {
  type: "home";
  blocks: KnownBlock[];
}

export function renderHome(view: HomeView): HomeTab {
  return { type: "home", blocks: view.blocks.map(homeBlock) };
}

export function homeFits(view: HomeView): boolean {
  const rendered = renderHome(view);
  return rendered.blocks.length <= HOME_LIMITS.blocks && Buffer.byteLength(JSON.stringify(rendered), "utf8") <= HOME_LIMITS.bytes;
}
