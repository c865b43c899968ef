/**
 * Text safety for Slack: anything that came from a user or from Amigo (set and unit-test
 * names, error messages) is escaped before it joins mrkdwn, and text is shortened to Block
 * Kit's limits without cutting an escape sequence or a piece of markup in half.
 */

/** Escapes `&`, `<` and `>` (Slack's control characters) and defuses bare @channel/@here/@everyone. */
export function escapeText(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replace(/@(channel|here|everyone)\b/gi, "@\u2060$1");
}

/** Text for inside `code`: escaped, with backticks that would end the span swapped out. */
export function escapeCode(text: string): string {
  return escapeText(text.replaceAll("`", "'").replaceAll("\n", " "));
}

const ELLIPSIS = "…";

/**
 * Shortens mrkdwn to at most `max` characters (UTF-16 units, as Slack counts). Never ends
 * inside `&amp;`-style entities, `<...>` markup or a surrogate pair; adds "…" when it cut.
 */
export function truncateMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - ELLIPSIS.length));
  const amp = cut.lastIndexOf("&");
  if (amp !== -1 && !cut.slice(amp).includes(";")) cut = cut.slice(0, amp);
  const open = cut.lastIndexOf("<");
  if (open !== -1 && !cut.slice(open).includes(">")) cut = cut.slice(0, open);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  // An unclosed code span would run on into the ellipsis: drop the span's opening part.
  if ((cut.match(/`/g)?.length ?? 0) % 2 === 1) cut = cut.slice(0, cut.lastIndexOf("`"));
  return `${cut}${ELLIPSIS}`;
}

/** Shortens plain text (headers, button labels) to `max` characters. */
export function truncatePlain(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - ELLIPSIS.length));
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}${ELLIPSIS}`;
}
