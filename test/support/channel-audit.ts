/**
 * Reads a channel of the Slack stand-in the way its members would, and says in words what is
 * wrong with a run's message: missing, posted twice, stuck on an old verdict, without the
 * archive line, or with a thread reply that came twice.
 */
import type { Verdict } from "../../functions/core/model/verdict.js";
import type { SlackStub, StubMessage } from "./slack-stub.js";

export interface ReportedRun {
  runId: string;
  verdict: Verdict;
  /** Where the artifacts were archived: the message must say so. */
  archivedAt: string;
  /** Thread replies the run must have exactly once, by a piece of their text. */
  replies?: readonly string[];
}

const contentOf = (message: Pick<StubMessage, "text" | "blocks">) => `${message.text}\n${JSON.stringify(message.blocks)}`;

/** The verdict a run card shows (its Status field), if it is one. */
export function statusOf(message: Pick<StubMessage, "blocks">): string | undefined {
  return /\*Status\*\\n([a-z]+)/.exec(JSON.stringify(message.blocks))?.[1];
}

/** The run a run card is about (its Run field; other runs' ids may appear in it too, e.g. the previous run's). */
export function runIdOf(message: Pick<StubMessage, "blocks">): string | undefined {
  return /\*Run\*\\n`([0-9a-f]{24})`/.exec(JSON.stringify(message.blocks))?.[1];
}

/** Top-level messages in `channel` about the run. */
export function runMessages(slack: SlackStub, channel: string, runId: string): StubMessage[] {
  return slack.topLevel(channel).filter((message) => runIdOf(message) === runId);
}

/** What is wrong with the run's message in `channel`; empty when there is exactly one, final and complete. */
export function runMessageProblems(slack: SlackStub, channel: string, run: ReportedRun): string[] {
  const messages = runMessages(slack, channel, run.runId);
  if (messages.length === 0) return [`never posted in ${channel} (Run Started and Run Finished lost)`];
  const problems: string[] = [];
  if (messages.length > 1) problems.push(`${messages.length} top-level messages in ${channel} (posted more than once)`);
  const [message] = messages as [StubMessage];
  const status = statusOf(message);
  if (status !== run.verdict) problems.push(`its message says "${status ?? "?"}", not "${run.verdict}" (Run Finished lost)`);
  const content = contentOf(message);
  if (!content.includes("archived at") || !content.includes(run.archivedAt)) problems.push("its message has no archive line (Run Archived lost)");

  const thread = messages.flatMap((top) => slack.thread(channel, top.ts));
  const copies = new Map<string, number>();
  for (const reply of thread) copies.set(contentOf(reply), (copies.get(contentOf(reply)) ?? 0) + 1);
  for (const [reply, count] of copies) {
    if (count > 1) problems.push(`thread reply posted ${count} times: "${reply.slice(0, 60)}…"`);
  }
  for (const wanted of run.replies ?? []) {
    if (!thread.some((reply) => contentOf(reply).includes(wanted))) problems.push(`its thread lacks the reply "${wanted}…"`);
  }
  return problems;
}
