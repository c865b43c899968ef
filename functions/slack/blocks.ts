/**
 * Block Kit rendering of core's chat messages. Every message gets a plain `text` fallback
 * (notifications, screen readers, clients without blocks) and stays within Block Kit's
 * limits: 50 blocks, 3,000 characters a section, 150 a header, 10 fields of 2,000.
 */
import type { ActionsBlock, Button, ContextBlock, HeaderBlock, KnownBlock, SectionBlock } from "@slack/web-api";
import { ACTION_IDS, type ChatMessage, type Notice, type RunAction, type RunCard, type WhyItFailed } from "../core/chat.js";
import { formatDuration } from "../core/summary/summary.js";
import { VERDICT_EMOJI, type Verdict } from "../core/model/verdict.js";
import { escapeCode, escapeText, truncateMrkdwn, truncatePlain } from "./escape.js";
import { failingTestMarkup, flakyMarkup, plural, trendMarkup } from "./failure-markup.js";
import { dateMarkup, lineMarkup, mentionMarkup, personMarkup } from "./mrkdwn.js";

export const LIMITS = {
  blocks: 50,
  sectionText: 3000,
  header: 150,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  buttonText: 75,
  buttonValue: 2000,
  /** Our own cap for the `text` fallback (Slack truncates at 40,000). */
  fallbackText: 3000,
} as const;

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

const VERDICT_WORD: Record<Verdict, string> = {
  running: "running",
  passed: "passed",
  failed: "failed",
  errored: "errored",
  cancelled: "cancelled",
};

const TONE_EMOJI: Record<Notice["tone"], string> = {
  info: "",
  success: ":white_check_mark: ",
  warning: ":warning: ",
  error: ":x: ",
};

export function section(text: string): SectionBlock {
  return { type: "section", text: { type: "mrkdwn", text: truncateMrkdwn(text || " ", LIMITS.sectionText), verbatim: true } };
}

/** Plain text never renders markup, but a word joiner after `<` makes sure nothing could ever parse it as a mention. */
function defuse(text: string): string {
  return text.replace(/<(?=[!@#])/g, "<\u2060");
}

function header(text: string): HeaderBlock {
  return { type: "header", text: { type: "plain_text", text: truncatePlain(defuse(text), LIMITS.header), emoji: true } };
}

function context(texts: string[]): ContextBlock {
  return {
    type: "context",
    elements: texts
      .slice(0, LIMITS.contextElements)
      .map((text) => ({ type: "mrkdwn" as const, text: truncateMrkdwn(text, LIMITS.sectionText), verbatim: true })),
  };
}

function fieldsSection(fields: string[]): SectionBlock {
  return {
    type: "section",
    fields: fields
      .slice(0, LIMITS.fields)
      .map((text) => ({ type: "mrkdwn" as const, text: truncateMrkdwn(text, LIMITS.fieldText), verbatim: true })),
  };
}

/** The button's value: what the interactions endpoint needs to act, as JSON. */
export function actionValue(action: RunAction): string {
  switch (action.kind) {
    case "rerun":
      return JSON.stringify({ setId: action.setId });
    case "cancel":
      return JSON.stringify({ runId: action.runId });
    case "download":
      return JSON.stringify({ runId: action.runId, setId: action.setId, key: action.key });
  }
}

function button(action: RunAction): Button {
  const value = actionValue(action);
  const base: Button = {
    type: "button",
    action_id: ACTION_IDS[action.kind],
    text: { type: "plain_text", text: truncatePlain(defuse(action.label), LIMITS.buttonText), emoji: true },
    ...(value.length <= LIMITS.buttonValue ? { value } : {}),
  };
  if (action.kind === "rerun") return { ...base, style: "primary" };
  if (action.kind === "cancel") {
    return {
      ...base,
      style: "danger",
      confirm: {
        title: { type: "plain_text", text: "Cancel this run?" },
        text: { type: "plain_text", text: truncatePlain(`Ask Amigo to cancel run ${action.runId}.`, 300) },
        confirm: { type: "plain_text", text: "Cancel run" },
        deny: { type: "plain_text", text: "Keep it running" },
      },
    };
  }
  return base;
}

function actionsBlock(actions: readonly RunAction[]): ActionsBlock | undefined {
  const buttons = actions.filter((action) => actionValue(action).length <= LIMITS.buttonValue).slice(0, 25).map(button);
  return buttons.length > 0 ? { type: "actions", elements: buttons } : undefined;
}

/** Keeps the message within 50 blocks, always keeping the buttons (last) and saying what was left out. */
function fit(body: KnownBlock[], actions: ActionsBlock | undefined): KnownBlock[] {
  const room = LIMITS.blocks - (actions ? 1 : 0);
  const kept = body.length <= room ? body : [...body.slice(0, room - 1), context(["Part of this message was left out (Slack allows 50 blocks)."])];
  return actions ? [...kept, actions] : kept;
}

function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function namesList(names: readonly string[], max = 15): string {
  const shown = names.slice(0, max).map(escapeText).join(", ");
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

function runCardFallback(card: RunCard): string {
  const parts = [`${VERDICT_EMOJI[card.verdict]} ${escapeText(card.setName)}: ${VERDICT_WORD[card.verdict]} (run ${card.runId})`];
  if (card.unitTests) parts.push(`${card.unitTests.passed} of ${plural(card.unitTests.total, "unit test")} passed`);
  const failing = card.failingUnitTests.length + card.moreFailing;
  if (failing > 0) parts.push(`${failing} failing: ${namesList(card.failingUnitTests.map((t) => t.name), 5)}`);
  const text = parts.join(". ");
  return truncateMrkdwn(card.mention ? `${mentionMarkup(card.mention)} ${text}` : text, LIMITS.fallbackText);
}

export function renderRunCard(card: RunCard): SlackMessage {
  const body: KnownBlock[] = [];
  if (card.mention) {
    body.push(section(`${mentionMarkup(card.mention)} the run of *${escapeText(card.setName)}* ${VERDICT_WORD[card.verdict]}.`));
  }
  body.push(header(`${VERDICT_EMOJI[card.verdict]} ${card.setName}`));

  const fields = [`*Run*\n\`${escapeCode(card.runId)}\``, `*Status*\n${VERDICT_WORD[card.verdict]}`];
  if (card.startedBy) fields.push(`*Started by*\n${personMarkup(card.startedBy)}`);
  if (card.durationSeconds !== undefined) fields.push(`*Duration*\n${formatDuration(card.durationSeconds)}`);
  else if (card.createdAt) fields.push(`*Started*\n${dateMarkup(card.createdAt)}`);
  if (card.unitTests) fields.push(`*Unit tests passed*\n${card.unitTests.passed} of ${card.unitTests.total}`);
  if (card.metricEvaluations) fields.push(`*Metric evaluations passed*\n${card.metricEvaluations.passed} of ${card.metricEvaluations.total}`);
  if (card.verdict !== "running" || card.runErrors.length > 0) fields.push(`*Run errors*\n${card.runErrors.length}`);
  body.push(fieldsSection(fields));

  const failingTotal = card.failingUnitTests.length + card.moreFailing;
  if (failingTotal > 0) {
    body.push(section(`*Failing unit tests* (${failingTotal})`));
    for (const test of card.failingUnitTests) body.push(section(failingTestMarkup(test, { reasons: "first" })));
    if (card.moreFailing > 0) {
      body.push(context([`…and ${plural(card.moreFailing, "more failing unit test")}, listed in this message's thread.`]));
    }
  }

  const shownTests = new Set(card.failingUnitTests.map((test) => test.unitTestId));
  const otherErrors = card.runErrors.filter((entry) => !shownTests.has(entry.unitTestId));
  if (otherErrors.length > 0) {
    const lines = otherErrors.slice(0, 5).map((entry) => `• *${escapeText(entry.unitTestName)}*: ${escapeText(entry.message)}`);
    if (otherErrors.length > 5) lines.push(`…and ${plural(otherErrors.length - 5, "more run error")}`);
    body.push(section(`*Run errors*\n${lines.join("\n")}`));
  }

  const trendLines = [card.trend ? trendMarkup(card.trend) : undefined, flakyMarkup(card.flaky)].filter((line) => line !== undefined);
  if (trendLines.length > 0) body.push(section(trendLines.join("\n")));

  if (card.diff) {
    const { diff } = card;
    const lines = [`*Since the previous run* \`${escapeCode(diff.previousRunId)}\``];
    if (diff.newlyFailing.length > 0) lines.push(`:red_circle: Newly failing: ${namesList(diff.newlyFailing)}`);
    if (diff.fixed.length > 0) lines.push(`:large_green_circle: Fixed: ${namesList(diff.fixed)}`);
    if (diff.stillFailing.length > 0) lines.push(`:white_circle: Still failing: ${namesList(diff.stillFailing)}`);
    if (lines.length === 1) lines.push("No change in which unit tests fail.");
    body.push(section(lines.join("\n")));
  }

  if (card.archive) {
    body.push(section(`*Artifacts* archived at \`${escapeCode(card.archive.location)}\` (${sizeText(card.archive.size)})`));
  }
  if (card.notes.length > 0) body.push(context(card.notes.map(escapeText)));

  return { text: runCardFallback(card), blocks: fit(body, actionsBlock(card.actions)) };
}

/** "Why it failed": every failing unit test with all the judge's reasons, packed into as few sections as fit. */
export function renderWhyItFailed(why: WhyItFailed): SlackMessage {
  const count = why.failingUnitTests.length;
  const body: KnownBlock[] = [section(`*Why it failed*: ${plural(count, "failing unit test")} of *${escapeText(why.setName).replaceAll("*", "∗")}*`)];
  const room = LIMITS.blocks - 2;
  let chunk = "";
  let shown = 0;
  for (const [index, test] of why.failingUnitTests.entries()) {
    const markup = truncateMrkdwn(failingTestMarkup(test, { reasons: "all", position: index + 1 }), LIMITS.sectionText);
    if (chunk && chunk.length + 2 + markup.length > LIMITS.sectionText) {
      if (body.length >= room - 1) break;
      body.push(section(chunk));
      chunk = "";
    }
    chunk = chunk ? `${chunk}\n\n${markup}` : markup;
    shown = index + 1;
  }
  if (chunk) body.push(section(chunk));
  const left = count - shown;
  const tail = left > 0 ? [`…and ${plural(left, "more failing unit test")}; the run's summary.md in the archive has every reason in full.`] : [];
  if (tail.length > 0 || why.notes.length > 0) body.push(context([...tail, ...why.notes.map(escapeText)]));
  const text = truncateMrkdwn(`Why it failed: ${plural(count, "failing unit test")} of ${escapeText(why.setName)}: ${namesList(why.failingUnitTests.map((t) => t.name), 10)}`, LIMITS.fallbackText);
  return { text, blocks: body.slice(0, LIMITS.blocks) };
}

export function renderNotice(notice: Notice): SlackMessage {
  const lines = notice.lines.map(lineMarkup);
  const first = `${TONE_EMOJI[notice.tone]}${notice.title ? `*${escapeText(notice.title)}*` : ""}`;
  const all = notice.title ? [first, ...lines] : lines.map((line, i) => (i === 0 ? `${TONE_EMOJI[notice.tone]}${line}` : line));
  const body: KnownBlock[] = [];
  let chunk = "";
  for (const line of all) {
    const piece = truncateMrkdwn(line, LIMITS.sectionText);
    if (chunk && chunk.length + 1 + piece.length > LIMITS.sectionText) {
      body.push(section(chunk));
      chunk = "";
    }
    chunk = chunk ? `${chunk}\n${piece}` : piece;
  }
  if (chunk || body.length === 0) body.push(section(chunk || " "));
  // The fallback keeps typed mentions live (they are deliberate) and escapes everything else.
  const fallback = [notice.title ? escapeText(notice.title) : undefined, ...lines].filter(Boolean).join("\n");
  return {
    text: truncateMrkdwn(fallback || " ", LIMITS.fallbackText),
    blocks: fit(body, notice.actions ? actionsBlock(notice.actions) : undefined),
  };
}

export function renderMessage(message: ChatMessage): SlackMessage {
  switch (message.kind) {
    case "run":
      return renderRunCard(message.card);
    case "why":
      return renderWhyItFailed(message.why);
    case "notice":
      return renderNotice(message.notice);
  }
}
