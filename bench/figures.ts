/** Small helpers the benches share for turning measurements into printed figures. */
import type { StubCall } from "../test/support/slack-stub.js";

export type Say = (line: string) => void;

/** The value at percentile `p` (0-100) of ascending `sorted`, nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export const sumCounts = (counts: Partial<Record<string, number>>): number => Object.values(counts).reduce((sum: number, n) => sum + (n ?? 0), 0);

/** `listRuns 3, listSets 1` in descending order of count. */
export function formatCounts(counts: Partial<Record<string, number>>): string {
  const entries = Object.entries(counts).filter((entry): entry is [string, number] => (entry[1] ?? 0) > 0);
  return entries.length === 0 ? "none" : entries.sort((a, b) => b[1] - a[1]).map(([name, count]) => `${name} ${count}`).join(", ");
}

/** Slack Web API calls as a reader of the channel would count them. */
export function slackCallsOf(calls: readonly StubCall[]): { posts: number; edits: number; replies: number; lookups: number } {
  const figures = { posts: 0, edits: 0, replies: 0, lookups: 0 };
  for (const call of calls) {
    if (call.method === "chat.postMessage") figures[call.params.thread_ts ? "replies" : "posts"]++;
    else if (call.method === "chat.update") figures.edits++;
    else if (call.method.startsWith("conversations.")) figures.lookups++;
  }
  return figures;
}

/** The most entries in any sliding minute of `times` (ms, ascending). */
export function busiestMinute(times: readonly number[]): number {
  let most = 0;
  let first = 0;
  for (let last = 0; last < times.length; last++) {
    while ((times[last] ?? 0) - (times[first] ?? 0) >= 60_000) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}
