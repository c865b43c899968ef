/**
 * A person's Home tab, built from the shared facts (home-facts.ts): the sets that ran in the
 * last 7 days (up to 25, most recent first) with their latest verdict, sparkline and last run,
 * each with Run and Open report; what is running now, with Cancel where the person may; the
 * schedules and their next times; the person's own last runs; the archive browser. Pure: it
 * always fits Slack's limits for a Home (100 blocks, 250 KB), whatever the numbers, by showing
 * less and saying what was left out. Buttons are shown only to people the same access check as
 * everywhere lets use them; a click is checked again when it arrives.
 */
import type { HomeBlock, HomeButton, HomeView, Line } from "../chat.js";
import { type AccessPolicy, checkAccess, requester } from "../commands/access.js";
import type { AcceptedCommand } from "../events.js";
import { VERDICT_EMOJI } from "../model/verdict.js";
import { archiveIndexUrl, runReportUrl } from "../archiver/archive-links.js";
import { HOME_DAYS, HOME_RUNS_READ, type HomeFacts, type HomeRun, type HomeSchedule, type HomeSet } from "./home-facts.js";

export const HOME_LIMITS = { blocks: 100, bytes: 250_000 } as const;

/** A name longer than this is cut, so no one set can crowd the others out. */
const NAME_CHARS = 80;
/** Lines per section: short enough for a section's 3,000 characters whatever they hold. */
const LINES_PER_BLOCK = 10;

export interface HomeInput {
  facts: HomeFacts;
  userId: string;
  teamId?: string;
  enterpriseId?: string;
  access: AccessPolicy;
  /** ARCHIVE_WEB_URL: Open report buttons and the archive link, when there is an archive browser. */
  archiveWebUrl?: string;
  commandWord?: string;
}

/** How many of each part are shown; the builder tries these in turn until the Home fits. */
interface Caps {
  sets: number;
  running: number;
  schedules: number;
  own: number;
}
const CAPS: readonly Caps[] = [
  { sets: 25, running: 10, schedules: 50, own: 10 },
  { sets: 15, running: 5, schedules: 20, own: 5 },
  { sets: 8, running: 3, schedules: 10, own: 3 },
  { sets: 3, running: 1, schedules: 3, own: 1 },
  { sets: 0, running: 0, schedules: 0, own: 0 },
];

const clip = (text: string, max = NAME_CHARS) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Whether the person may have simwatch do `command` from their Home (as from their direct messages with it). */
function allowed(input: HomeInput, command: AcceptedCommand): boolean {
  const who = requester({ userId: input.userId, channelId: input.userId, teamIds: [input.teamId], enterpriseIds: [input.enterpriseId] });
  return checkAccess(input.access, who, command).ok;
}

function chunks(lines: readonly Line[]): HomeBlock[] {
  const blocks: HomeBlock[] = [];
  for (let i = 0; i < lines.length; i += LINES_PER_BLOCK) blocks.push({ kind: "lines", lines: lines.slice(i, i + LINES_PER_BLOCK) });
  return blocks;
}

const leftOut = (shown: number, total: number, what: string, where: string): HomeBlock[] =>
  total > shown ? [{ kind: "context", line: [`${plural(total - shown, what)} more not shown here: ${where}.`] }] : [];

function setBlocks(input: HomeInput, sets: readonly HomeSet[], cap: number, cut: boolean): HomeBlock[] {
  const word = input.commandWord ?? "/sim";
  if (sets.length === 0) return [{ kind: "lines", lines: [[`No set ran in the last ${HOME_DAYS} days.`]] }];
  const blocks = sets.slice(0, cap).flatMap((set): HomeBlock[] => {
    const buttons: HomeButton[] = [
      ...(allowed(input, { verb: "run", set: set.setId }) ? [{ kind: "rerun" as const, setId: set.setId, label: "Run" }] : []),
      ...(input.archiveWebUrl ? [{ kind: "link" as const, url: runReportUrl(input.archiveWebUrl, set.setId, set.latestRunId), label: "Open report" }] : []),
    ];
    const line: Line = [`${VERDICT_EMOJI[set.verdict]} `, { bold: clip(set.setName) }, set.sparkline ? `  ${set.sparkline}` : "", `  latest ${set.verdict}, started `, { time: set.lastRunAt }];
    return [{ kind: "item", line }, ...(buttons.length > 0 ? [{ kind: "buttons" as const, buttons }] : [])];
  });
  const more = leftOut(Math.min(cap, sets.length), sets.length, "set", `\`${word} status\` lists them`);
  const older: HomeBlock[] = cut ? [{ kind: "context", line: [`Read from the latest ${HOME_RUNS_READ} runs: sets that ran only before them are not shown.`] }] : [];
  return [...blocks, ...more, ...older];
}

function runLine(run: HomeRun): Line {
  const by: Line = run.startedBy ? [" by ", { user: run.startedBy }, run.scheduled ? "'s schedule" : ""] : [];
  return [`${VERDICT_EMOJI[run.verdict]} `, { bold: clip(run.setName) }, " ", { code: run.runId }, `, started `, { time: run.createdAt }, ...by];
}

function runningBlocks(input: HomeInput, running: readonly HomeRun[], cap: number): HomeBlock[] {
  if (running.length === 0) return [{ kind: "lines", lines: [["Nothing is running now."]] }];
  const items = running.slice(0, cap).map((run): HomeBlock => {
    const cancel = allowed(input, { verb: "cancel", runId: run.runId });
    return { kind: "item", line: runLine(run), ...(cancel ? { button: { kind: "cancel", runId: run.runId, label: "Cancel" } } : {}) };
  });
  return [...items, ...leftOut(Math.min(cap, running.length), running.length, "running run", `\`${input.commandWord ?? "/sim"} status\` lists them`)];
}

function scheduleLine(schedule: HomeSchedule): Line {
  const next: Line = schedule.next ? [", next ", { time: schedule.next }] : [", no next time"];
  return [{ bold: clip(schedule.setName) }, " in ", { channel: schedule.channelId }, `: ${clip(schedule.description, 120)}`, ...next];
}

function scheduleBlocks(input: HomeInput, schedules: readonly HomeSchedule[], cap: number): HomeBlock[] {
  if (schedules.length === 0) return [{ kind: "lines", lines: [[`No schedules. `, { code: `${input.commandWord ?? "/sim"} schedule <set> daily 09:00` }, " makes one."]] }];
  return [...chunks(schedules.slice(0, cap).map(scheduleLine)), ...leftOut(Math.min(cap, schedules.length), schedules.length, "schedule", `\`${input.commandWord ?? "/sim"} schedules\` in a channel lists its own`)];
}

function ownBlocks(input: HomeInput, cap: number): HomeBlock[] {
  const own = input.facts.started.filter((run) => run.startedBy === input.userId);
  if (own.length === 0) return [{ kind: "lines", lines: [["You have not started a run lately. "]] }];
  return chunks(own.slice(0, cap).map(runLine));
}

function withCaps(input: HomeInput, caps: Caps): HomeView {
  const { facts } = input;
  const archive: HomeBlock[] = input.archiveWebUrl
    ? [{ kind: "context", line: ["Every archived run: ", { link: { url: archiveIndexUrl(input.archiveWebUrl), label: "the archive browser" } }] }]
    : [];
  const blocks: HomeBlock[] = [
    { kind: "header", text: "simwatch" },
    { kind: "context", line: ["As of ", { time: facts.readAt }, `. Your Home refreshes when you open it and when a run of a set on it finishes.`] },
    { kind: "header", text: `Sets that ran in the last ${HOME_DAYS} days` },
    ...setBlocks(input, facts.sets, caps.sets, facts.runsCut),
    { kind: "divider" },
    { kind: "header", text: "Running now" },
    ...runningBlocks(input, facts.running, caps.running),
    { kind: "divider" },
    { kind: "header", text: "Schedules" },
    ...scheduleBlocks(input, facts.schedules, caps.schedules),
    { kind: "divider" },
    { kind: "header", text: "Your last runs" },
    ...ownBlocks(input, caps.own),
    ...archive,
  ];
  return { userId: input.userId, blocks };
}

/** A generous estimate of the rendered size, for where no renderer says (each block's markup, escaping doubling the text). */
export function estimatedFit(view: HomeView): boolean {
  return view.blocks.length <= HOME_LIMITS.blocks && 2 * JSON.stringify(view).length + 700 * view.blocks.length <= HOME_LIMITS.bytes;
}

/** The person's Home, as full as Slack's limits allow (`fits`: the renderer's own measure). */
export function buildHome(input: HomeInput, fits: (view: HomeView) => boolean = estimatedFit): HomeView {
  for (const caps of CAPS) {
    const view = withCaps(input, caps);
    if (fits(view)) return view;
  }
  return { userId: input.userId, blocks: [{ kind: "header", text: "simwatch" }, { kind: "lines", lines: [["Your Home has too much to show. ", { code: `${input.commandWord ?? "/sim"} status` }, " lists the sets."]] }] };
}
