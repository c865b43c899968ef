/** Moments in words for readers without Slack's date tokens: the terminal, and Slack's fallback text. */

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const two = (value: number) => String(value).padStart(2, "0");

/** "Apr 1, 14:05" in this machine's time zone (with the year when it is not this year's). */
export function localTime(date: Date, now = new Date()): string {
  const year = date.getFullYear() === now.getFullYear() ? "" : ` ${date.getFullYear()}`;
  return `${MONTHS[date.getMonth()]} ${date.getDate()}${year}, ${two(date.getHours())}:${two(date.getMinutes())}`;
}

/** "2026-04-01 12:00 UTC": the same moment for a reader whose client cannot localise it. */
export function utcTime(date: Date): string {
  return `${date.toISOString().slice(0, 10)} ${date.toISOString().slice(11, 16)} UTC`;
}
