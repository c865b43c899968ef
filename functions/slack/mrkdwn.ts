/**
 * Spans (core/chat.ts) to Slack mrkdwn. Plain strings are escaped; only the typed spans
 * produce markup, and each is checked to be the markup it claims to be.
 */
import type { Owner, Person, Span } from "../core/chat.js";
import type { Mention } from "../core/commands/commands.js";
import { utcTime } from "../core/util/time-words.js";
import { escapeCode, escapeText } from "./escape.js";

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const MENTION_MARKUP = /^(?:<@[UW][A-Z0-9]+>|<!subteam\^[A-Z0-9]+>|<!here>|<!channel>)$/;

export function userMarkup(userId: string): string {
  return USER_ID.test(userId) ? `<@${userId}>` : escapeText(userId);
}

export function mentionMarkup(mention: Mention): string {
  return MENTION_MARKUP.test(mention.markup) ? mention.markup : escapeText(mention.label);
}

const OWNER_MARKUP = /^(?:<@[UW][A-Z0-9]+>|<!subteam\^[A-Z0-9]+>)$/;

/** An owner from a tag: a user or group mention, checked to be one (never a broadcast); anything else escaped text. */
export function ownerMarkup(owner: Owner): string {
  if (!("mention" in owner)) return escapeText(owner.text);
  const { mention } = owner;
  return (mention.kind === "user" || mention.kind === "group") && OWNER_MARKUP.test(mention.markup) ? mention.markup : escapeText(mention.label);
}

export function personMarkup(person: Person): string {
  if (!("slackUserId" in person)) return escapeText(`${person.amigoUser.user_id} (Amigo)`);
  return person.schedule ? `${userMarkup(person.slackUserId)}'s schedule (${escapeText(person.schedule)})` : userMarkup(person.slackUserId);
}

function linkMarkup(url: string, label: string): string {
  if (!/^https?:\/\//.test(url)) return escapeText(`${label} (${url})`);
  const safeUrl = url.replaceAll("|", "%7C").replaceAll(">", "%3E").replaceAll("<", "%3C").replaceAll(" ", "%20");
  return `<${safeUrl}|${escapeText(label).replaceAll("|", "¦")}>`;
}

/** A moment as Slack's date token: each reader sees it in their own time zone ("Today 14:05"). */
export function dateMarkup(iso: string): string {
  const date = new Date(iso);
  const seconds = Math.floor(date.getTime() / 1000);
  return Number.isFinite(seconds) ? `<!date^${seconds}^{date_short_pretty} {time}|${utcTime(date)}>` : escapeText(iso);
}

export function spanMarkup(span: Span): string {
  if (typeof span === "string") return escapeText(span);
  if ("code" in span) return `\`${escapeCode(span.code)}\``;
  if ("bold" in span) return `*${escapeText(span.bold).replaceAll("*", "∗")}*`;
  if ("user" in span) return userMarkup(span.user);
  if ("channel" in span) return /^[CGD][A-Z0-9]{2,}$/.test(span.channel) ? `<#${span.channel}>` : escapeText(`#${span.channel}`);
  if ("mention" in span) return mentionMarkup(span.mention);
  if ("time" in span) return dateMarkup(span.time);
  return linkMarkup(span.link.url, span.link.label);
}

export function lineMarkup(line: readonly Span[]): string {
  return line.map(spanMarkup).join("");
}
