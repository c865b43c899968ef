/**
 * Block Kit rendering of core's chat messages. Every message gets a plain `text` fallback
 * (notifications, screen readers, clients without blocks) and stays within all of Slack's
 * limits (limits.ts): each element by construction, the whole message by fitBlocks, which cuts
 * with a line saying where the rest is. A message Slack refuses anyway has smaller renderings
 * to fall back on (renderings()).
 */
import type { ActionsBlock, Button, HeaderBlock, KnownBlock, SectionBlock } from "@slack/web-api";
import { ACTION_IDS, type ChatMessage, type Notice, type RunAction, type RunCard, type WhyItFailed } from "../core/chat.js";
import { formatDuration } from "../core/summary/summary.js";
import { VERDICT_EMOJI, type Verdict } from "../core/model/verdict.js";
import { escapeCode, escapeText, truncateMrkdwn, truncatePlain } from "./escape.js";
import { failingTestMarkup, flakyMarkup, plural, SHOWN_MAX, shortText, trendMarkup } from "./failure-markup.js";
import { blockTextLength, contextBlock, fitBlocks, LIMITS } from "./limits.js";
import { dateMarkup, lineMarkup, mentionMarkup, ownerMarkup, personMarkup } from "./mrkdwn.js";

export { LIMITS } from "./limits.js";

/** What a cut message says about the rest. */
const CUT_NOTE = {
  run: "Part of this card was left out to fit Slack's limits; the run's report and summary.md in the archive have everything.",
  why: "The rest did not fit in one Slack message; the run's summary.md in the archive has every reason in full.",
  notice: "The rest of this answer was left out to fit Slack's limits.",
} as const;

/** The most a card gives each of its parts, so the failing tests keep most of the room. */
const CARD_PART = { field: 300, failingTest: 1500, runErrors: 1500, trend: 1000, diff: 1500, archive: 600, note: 500 } as const;

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

export function section(text: string, max: number = LIMITS.sectionText): SectionBlock {
  return { type: "section", text: { type: "mrkdwn", text: truncateMrkdwn(text || " ", Math.min(max, LIMITS.sectionText)), verbatim: true } };
}

/** Plain text never renders markup, but a word joiner after `<` makes sure nothing could ever parse it as a mention. */
function defuse(text: string): string {
  return text.replace(/<(?=[!@#])/g, "<\u2060");
}

export function header(text: string): HeaderBlock {
  return { type: "header", text: { type: "plain_text", text: truncatePlain(defuse(text), LIMITS.header), emoji: true } };
}

function fieldsSection(fields: string[], max: number = LIMITS.fieldText): SectionBlock {
  return {
    type: "section",
    fields: fields
      .slice(0, LIMITS.fields)
      .map((text) => ({ type: "mrkdwn" as const, text: truncateMrkdwn(text, Math.min(max, LIMITS.fieldText)), verbatim: true })),
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

export function button(action: RunAction): Button {
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
        text: { type: "plain_text", text: truncatePlain(`Ask Amigo to cancel run ${action.runId}.`, LIMITS.confirmText) },
        confirm: { type: "plain_text", text: "Cancel run" },
        deny: { type: "plain_text", text: "Keep it running" },
      },
    };
  }
  return base;
}

/** Open report: a link Slack opens itself (its click still arrives at the interactions endpoint, which ignores it). */
export const OPEN_REPORT_ACTION_ID = "simwatch_open_report";
const MAX_URL = 3000;

/** A button that opens `url` in the browser; none when the URL is longer than Slack takes. */
export function linkButton(url: string, label: string): Button | undefined {
  if (url.length > MAX_URL) return undefined;
  return { type: "button", action_id: OPEN_REPORT_ACTION_ID, text: { type: "plain_text", text: truncatePlain(label, LIMITS.buttonText) }, url };
}

function actionsBlock(actions: readonly RunAction[], reportUrl?: string): ActionsBlock | undefined {
  const link = reportUrl === undefined ? undefined : linkButton(reportUrl, "Open report");
  const buttons = [...actions.filter((action) => actionValue(action).length <= LIMITS.buttonValue).map(button), ...(link ? [link] : [])].slice(0, LIMITS.actionsElements);
  return buttons.length > 0 ? { type: "actions", elements: buttons } : undefined;
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
  const shown = names.slice(0, max).map((name) => shortText(name, SHOWN_MAX.name)).join(", ");
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

function runCardFallback(card: RunCard): string {
  const parts = [`${VERDICT_EMOJI[card.verdict]} ${escapeText(card.setName)}: ${VERDICT_WORD[card.verdict]} (run ${card.runId})`];
  if (card.unitTests) parts.push(`${card.unitTests.passed} of ${plural(card.unitTests.total, "unit test")} passed`);
  const failing = card.failingUnitTests.length + card.moreFailing;
  if (failing > 0) parts.push(`${failing} failing: ${namesList(card.failingUnitTests.map((t) => t.name), 5)}`);
  const text = parts.join(". ");
  const who = pinged(card);
  return truncateMrkdwn(who ? `${who} ${text}` : text, LIMITS.fallbackText);
}

/** Who the card pings: the channel's subscription mention, then the set's owners (text for what is not a mention). */
function pinged(card: RunCard): string {
  return [...(card.mention ? [mentionMarkup(card.mention)] : []), ...(card.owners ?? []).map(ownerMarkup)].join(" ");
}

/** The failure line: who is pinged, and that the run failed. */
function pingSection(card: RunCard): KnownBlock[] {
  const who = pinged(card);
  return who ? [section(`${who} the run of *${shortText(card.setName, SHOWN_MAX.name)}* ${VERDICT_WORD[card.verdict]}.`)] : [];
}

/** The top of a card: who is pinged, the verdict and set, and the facts in fields. */
function cardHead(card: RunCard): KnownBlock[] {
  const head: KnownBlock[] = [...pingSection(card)];
  head.push(header(`${VERDICT_EMOJI[card.verdict]} ${card.setName}`));
  const fields = [`*Run*\n\`${escapeCode(card.runId)}\``, `*Status*\n${VERDICT_WORD[card.verdict]}`];
  if (card.startedBy) fields.push(`*Started by*\n${personMarkup(card.startedBy)}`);
  if (card.durationSeconds !== undefined) fields.push(`*Duration*\n${formatDuration(card.durationSeconds)}`);
  else if (card.createdAt) fields.push(`*Started*\n${dateMarkup(card.createdAt)}`);
  if (card.unitTests) fields.push(`*Unit tests passed*\n${card.unitTests.passed} of ${card.unitTests.total}`);
  if (card.metricEvaluations) fields.push(`*Metric evaluations passed*\n${card.metricEvaluations.passed} of ${card.metricEvaluations.total}`);
  if (card.verdict !== "running" || card.runErrors.length > 0) fields.push(`*Run errors*\n${card.runErrors.length}`);
  head.push(fieldsSection(fields, CARD_PART.field));
  return head;
}

/** Below the failing tests: other run errors, the trend, the diff, the archive, the notes. */
function cardTail(card: RunCard): KnownBlock[] {
  const tail: KnownBlock[] = [];
  const shownTests = new Set(card.failingUnitTests.map((test) => test.unitTestId));
  const otherErrors = card.runErrors.filter((entry) => !shownTests.has(entry.unitTestId));
  if (otherErrors.length > 0) {
    const lines = otherErrors.slice(0, 5).map((entry) => `• *${shortText(entry.unitTestName, SHOWN_MAX.name)}*: ${shortText(entry.message, SHOWN_MAX.runError)}`);
    if (otherErrors.length > 5) lines.push(`…and ${plural(otherErrors.length - 5, "more run error")}`);
    tail.push(section(`*Run errors*\n${lines.join("\n")}`, CARD_PART.runErrors));
  }

  const trendLines = [card.trend ? trendMarkup(card.trend) : undefined, flakyMarkup(card.flaky)].filter((line) => line !== undefined);
  if (trendLines.length > 0) tail.push(section(trendLines.join("\n"), CARD_PART.trend));

  if (card.diff) {
    const { diff } = card;
    const lines = [`*Since the previous run* \`${escapeCode(diff.previousRunId)}\``];
    if (diff.newlyFailing.length > 0) lines.push(`:red_circle: Newly failing: ${namesList(diff.newlyFailing)}`);
    if (diff.fixed.length > 0) lines.push(`:large_green_circle: Fixed: ${namesList(diff.fixed)}`);
    if (diff.stillFailing.length > 0) lines.push(`:white_circle: Still failing: ${namesList(diff.stillFailing)}`);
    if (lines.length === 1) lines.push("No change in which unit tests fail.");
    tail.push(section(lines.join("\n"), CARD_PART.diff));
  }

  if (card.archive) tail.push(section(archiveLine(card.archive), CARD_PART.archive));
  if (card.notes.length > 0) tail.push(contextBlock(card.notes.map((note) => shortText(note, CARD_PART.note))));
  return tail;
}

/** Where the artifacts are, or (one line) why they are not. */
function archiveLine(archive: NonNullable<RunCard["archive"]>): string {
  if (archive.failure) {
    return `*Artifacts* not archived: ${shortText(archive.failure.reason, CARD_PART.archive - 120)} (gave up after ${archive.failure.tries} ${archive.failure.tries === 1 ? "try" : "tries"}; run.json says so)`;
  }
  return `*Artifacts* archived at \`${escapeCode(archive.location)}\` (${sizeText(archive.size)})`;
}

/** Where the failing tests the card leaves out are listed. */
function restOfFailing(card: RunCard, left: number): string {
  const where = card.whyInThread ? "listed in this message's thread" : "listed in the run's summary.md in the archive";
  return `…and ${plural(left, "more failing unit test")}, ${where}.`;
}

/** The failing unit tests, as many as fit in `room` characters of block text (at most FAILURES_INLINE, core's choice). */
function cardFailing(card: RunCard, room: number): KnownBlock[] {
  const total = card.failingUnitTests.length + card.moreFailing;
  const follow = card.awaitingReasons ? [contextBlock(["The judge's reasons are being read; they follow in this message's thread."])] : [];
  if (total === 0) return follow;
  const blocks: KnownBlock[] = [section(`*Failing unit tests* (${total})`), ...follow];
  // Room for the line that says where the rest is.
  let left = room - blockTextLength(blocks) - blockTextLength(contextBlock([restOfFailing(card, total)]));
  let shown = 0;
  for (const test of card.failingUnitTests) {
    const block = section(failingTestMarkup(test, { reasons: "first" }), CARD_PART.failingTest);
    const size = blockTextLength(block);
    if (size > left) break;
    blocks.push(block);
    left -= size;
    shown++;
  }
  if (total > shown) blocks.push(contextBlock([restOfFailing(card, total - shown)]));
  return blocks;
}

export function renderRunCard(card: RunCard): SlackMessage {
  const head = cardHead(card);
  const tail = cardTail(card);
  const actions = actionsBlock(card.actions, card.reportUrl);
  const room = LIMITS.blockText - blockTextLength([...head, ...tail, actions]);
  const body = [...head, ...cardFailing(card, room), ...tail];
  return { text: runCardFallback(card), blocks: fitBlocks(body, actions, CUT_NOTE.run) };
}

/** The card when Slack refused the whole one: the verdict, the counts, the buttons, and where the rest is. */
function compactRunCard(card: RunCard): SlackMessage {
  const counts = card.unitTests ? `: ${card.unitTests.passed} of ${plural(card.unitTests.total, "unit test")} passed` : "";
  const lines = [`Run \`${escapeCode(card.runId)}\` ${VERDICT_WORD[card.verdict]}${counts}.`];
  if (card.verdict !== "running") lines.push("The full card did not fit in Slack; the run's report and summary.md in the archive have everything.");
  const body = [...pingSection(card), header(`${VERDICT_EMOJI[card.verdict]} ${card.setName}`), section(lines.join("\n"))];
  return { text: runCardFallback(card), blocks: fitBlocks(body, actionsBlock(card.actions, card.reportUrl), CUT_NOTE.run) };
}

function whyTitle(why: WhyItFailed): string {
  return `*Why it failed*: ${plural(why.failingUnitTests.length, "failing unit test")} of *${shortText(why.setName, SHOWN_MAX.name).replaceAll("*", "∗")}*`;
}

function whyFallback(why: WhyItFailed): string {
  const count = why.failingUnitTests.length;
  return truncateMrkdwn(`Why it failed: ${plural(count, "failing unit test")} of ${escapeText(why.setName)}: ${namesList(why.failingUnitTests.map((t) => t.name), 10)}`, LIMITS.fallbackText);
}

/** "Why it failed": every failing unit test with all the judge's reasons, packed into as few sections as fit. */
export function renderWhyItFailed(why: WhyItFailed): SlackMessage {
  const count = why.failingUnitTests.length;
  const title = section(whyTitle(why) + reportLink(why));
  const notes = why.notes.map((note) => shortText(note, CARD_PART.note));
  const closing = (left: number) =>
    left > 0 || notes.length > 0
      ? [contextBlock([...(left > 0 ? [`…and ${plural(left, "more failing unit test")}; the run's summary.md in the archive has every reason in full.`] : []), ...notes])]
      : [];
  // What the title and the longest possible closing line leave for the tests.
  let room = LIMITS.blockText - blockTextLength([title, ...closing(count)]);
  const sections: KnownBlock[] = [];
  let chunk = "";
  let shown = 0;
  for (const [index, test] of why.failingUnitTests.entries()) {
    const owners = why.owners?.[test.unitTestId];
    const markup = truncateMrkdwn(failingTestMarkup(test, { reasons: "all", position: index + 1, ...(owners ? { owners } : {}) }), LIMITS.sectionText);
    const joined = chunk ? `${chunk}\n\n${markup}` : markup;
    if (joined.length > LIMITS.sectionText) {
      if (sections.length >= LIMITS.blocks - 3) break;
      sections.push(section(chunk));
      room -= chunk.length;
      chunk = "";
    }
    const next = chunk ? `${chunk}\n\n${markup}` : markup;
    if (next.length > room) break;
    chunk = next;
    shown = index + 1;
  }
  if (chunk) sections.push(section(chunk));
  return { text: whyFallback(why), blocks: fitBlocks([title, ...sections, ...closing(count - shown)], undefined, CUT_NOTE.why) };
}

function compactWhy(why: WhyItFailed): SlackMessage {
  return { text: whyFallback(why), blocks: [section(whyTitle(why) + reportLink(why)), contextBlock([CUT_NOTE.why])] };
}

/** Under the title: the run's report, where every reason is in full. */
function reportLink(why: WhyItFailed): string {
  return why.reportUrl && why.reportUrl.length <= MAX_URL ? `\n${lineMarkup([{ link: { url: why.reportUrl, label: "Open the run's report" } }, " for every reason in full"])}` : "";
}

function noticeLines(notice: Notice): string[] {
  const lines = notice.lines.map(lineMarkup);
  const first = `${TONE_EMOJI[notice.tone]}${notice.title ? `*${escapeText(notice.title)}*` : ""}`;
  return notice.title ? [first, ...lines] : lines.map((line, i) => (i === 0 ? `${TONE_EMOJI[notice.tone]}${line}` : line));
}

function noticeFallback(notice: Notice): string {
  // The fallback keeps typed mentions live (they are deliberate) and escapes everything else.
  const fallback = [notice.title ? escapeText(notice.title) : undefined, ...notice.lines.map(lineMarkup)].filter(Boolean).join("\n");
  return truncateMrkdwn(fallback || " ", LIMITS.fallbackText);
}

export function renderNotice(notice: Notice): SlackMessage {
  const body: KnownBlock[] = [];
  let chunk = "";
  for (const line of noticeLines(notice)) {
    const piece = truncateMrkdwn(line, LIMITS.sectionText);
    if (chunk && chunk.length + 1 + piece.length > LIMITS.sectionText) {
      body.push(section(chunk));
      chunk = "";
    }
    chunk = chunk ? `${chunk}\n${piece}` : piece;
  }
  if (chunk || body.length === 0) body.push(section(chunk || " "));
  return { text: noticeFallback(notice), blocks: fitBlocks(body, notice.actions ? actionsBlock(notice.actions) : undefined, CUT_NOTE.notice) };
}

function compactNotice(notice: Notice): SlackMessage {
  const [first = " "] = noticeLines(notice);
  return { text: noticeFallback(notice), blocks: fitBlocks([section(first, 1000), contextBlock([CUT_NOTE.notice])], notice.actions ? actionsBlock(notice.actions) : undefined, CUT_NOTE.notice) };
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

function renderCompact(message: ChatMessage): SlackMessage {
  switch (message.kind) {
    case "run":
      return compactRunCard(message.card);
    case "why":
      return compactWhy(message.why);
    case "notice":
      return compactNotice(message.notice);
  }
}

/**
 * The message as Slack should get it, then smaller versions for when Slack refuses it as built:
 * the compact one (verdict, counts, buttons), then the fallback text alone. An edit with no
 * blocks removes the old ones, so a refused card never keeps a stale Cancel button.
 */
export function renderings(message: ChatMessage): SlackMessage[] {
  const full = renderMessage(message);
  return [full, renderCompact(message), { text: full.text, blocks: [] }];
}
