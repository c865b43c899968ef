/**
 * The command worker: consumes `Command Accepted` (from the Slack app or the CLI), does what
 * the command asks against Amigo and state, and answers through the command's response_url
 * (ephemeral); the answer is also returned, for the terminal.
 *
 * Exactly once: stateKeys.commandMarker(requestId) is created before anything happens; a
 * redelivered event finds it and does nothing. When Amigo is unavailable (5xx, timeout,
 * network, rate limit) the worker tells the user once that it will retry, marks the command
 * "retry" and throws CommandRetryLater, so the bus redelivers the event (Lambda async: two
 * more tries, a minute or two apart); the last attempt (`maxAttempts`) answers "Amigo is still
 * unavailable, try again later" and stops. Nothing is lost while Amigo is down for a minute.
 */
import { OBJECT_ID, type Run, type UnitTestSet, type UserInfo } from "./amigo-model.js";
import { ActiveRunExists, AmigoApiError, NotFound, RunNotInProgress } from "./amigo-errors.js";
import { cannotPostIn, type ChatMessage, type Line, notice, type RunAction, say } from "./chat.js";
import { closestNames, type Command, helpText } from "./commands.js";
import type { CommandAcceptedDetail, SlackOrigin } from "./events.js";
import { errorFields, type Logger, silentLogger } from "./log.js";
import type { AmigoApi } from "./ports.js";
import { buildRunCard, type RunFacts } from "./run-card.js";
import { lookUpNames, summarizeRuns } from "./run-summaries.js";
import { ensureRunMessage, type MessageDeps, updateFacts } from "./run-messages.js";
import { stateKeys } from "./state-keys.js";
import { listSubscriptions, removeSubscription, saveSubscription } from "./subscriptions.js";
import { verdictOf } from "./summary.js";
import { VERDICT_EMOJI, type Verdict } from "./verdict.js";
import { createHash } from "node:crypto";

export interface CommandWorkerDeps extends MessageDeps {
  amigo: AmigoApi;
  log?: Logger;
  /** The Amigo user simwatch acts as: every run it creates has this creator (for the 409 look-up). */
  amigoUser?: UserInfo;
  /** SLACK_DEFAULT_CHANNEL, to say where unsubscribed sets go. */
  defaultChannel?: string;
  /** Deliveries the bus makes per event (Lambda async invocation: 3). The last one gives up politely. */
  maxAttempts?: number;
  /** A command still "working" after this long is taken to have crashed, and may run again (default 90 s). */
  staleAfterMs?: number;
  commandWord?: string;
}

export interface CommandMarker {
  status: "working" | "retry" | "done";
  attempts: number;
  verb: Command["verb"];
  startedAt: string;
  finishedAt?: string;
}

export type CommandOutcome =
  | { status: "done"; reply: ChatMessage; runId?: string }
  | { status: "duplicate" }
  | { status: "in_progress" };

/** Amigo is unavailable; the command is marked for retry. Thrown so the bus redelivers the event. */
export class CommandRetryLater extends Error {
  override readonly name = "CommandRetryLater";
  constructor(
    readonly requestId: string,
    readonly attempt: number,
    cause: unknown,
  ) {
    super(`Command ${requestId}: Amigo unavailable on attempt ${attempt}; retry the event`, { cause });
  }
}

const UNAVAILABLE = new Set(["service_unavailable", "timeout", "network", "rate_limited"]);

export function amigoUnavailable(error: unknown): boolean {
  return error instanceof AmigoApiError && (UNAVAILABLE.has(error.code) || (error.code === "http_error" && (error.status ?? 0) >= 500));
}

/** A requestId safe to use inside a state key. */
export function markerId(requestId: string): string {
  return /^[\w.-]{1,128}$/.test(requestId) ? requestId : createHash("sha256").update(requestId).digest("hex");
}

function ago(iso: string, now: Date): string {
  const seconds = Math.round((now.getTime() - Date.parse(iso)) / 1000);
  if (!Number.isFinite(seconds)) return iso;
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

type SetLookup = { ok: true; set: UnitTestSet } | { ok: false; reply: ChatMessage };

export function createCommandWorker(deps: CommandWorkerDeps) {
  const log = deps.log ?? silentLogger;
  const maxAttempts = deps.maxAttempts ?? 3;
  const staleAfterMs = deps.staleAfterMs ?? 90_000;
  const commandWord = deps.commandWord ?? "/sim";
  // The deps carry every field run-messages needs, under the same names.
  const messageDeps: MessageDeps = deps;
  const now = () => deps.clock.now();

  async function resolveSet(query: string): Promise<SetLookup> {
    if (OBJECT_ID.test(query)) {
      const found = (await deps.amigo.listSets([query])).find((set) => set.id === query && !set.is_deleted);
      return found ? { ok: true, set: found } : { ok: false, reply: say("warning", ["There is no set with id ", { code: query }, "."]) };
    }
    const matches = (await deps.amigo.findSetsByName(query)).filter((set) => !set.is_deleted);
    const [only] = matches;
    if (only && matches.length === 1) return { ok: true, set: only };
    if (matches.length > 1) {
      return {
        ok: false,
        reply: notice("warning", [
          [`${matches.length} sets are named “`, query, "”. Name one by its id:"],
          ...matches.slice(0, 10).map((set): Line => ["• ", { code: set.id }, " ", set.name]),
        ]),
      };
    }
    const names = (await deps.amigo.listSets()).filter((set) => !set.is_deleted).map((set) => set.name);
    const close = closestNames(query, names);
    return {
      ok: false,
      reply: notice("warning", [
        ["There is no set named “", query, "”."],
        close.length > 0 ? ["Closest names: ", ...close.flatMap((name, i): Line => (i === 0 ? [{ bold: name }] : [", ", { bold: name }]))] : [`(simwatch can see ${names.length} sets.)`],
      ]),
    };
  }

  async function originOf(runId: string): Promise<SlackOrigin | undefined> {
    return (await deps.state.get<SlackOrigin>(stateKeys.runOrigin(runId)))?.value;
  }

  function startedBy(run: Run, origin: SlackOrigin | undefined): Line {
    return origin ? ["by ", { user: origin.userId }] : [`by Amigo user ${run.creator.user_id}`];
  }

  async function runLine(run: Run, setName: string, verdict: Verdict): Promise<Line> {
    const origin = await originOf(run.id);
    return [`${VERDICT_EMOJI[verdict]} `, { bold: setName }, " ", { code: run.id }, ` ${verdict}, started ${ago(run.created_at, now())} `, ...startedBy(run, origin)];
  }

  async function take<T>(items: AsyncIterable<T>, max: number): Promise<T[]> {
    const taken: T[] = [];
    if (max <= 0) return taken;
    for await (const item of items) {
      taken.push(item);
      if (taken.length >= max) break;
    }
    return taken;
  }

  async function runLines(runs: Run[]): Promise<Line[]> {
    const names = await lookUpNames(deps.amigo, runs);
    return Promise.all(
      runs.map(async (run) => {
        const cancelled = run.is_completed && (await deps.state.get(stateKeys.cancelledBySimwatch(run.id))) !== undefined;
        return runLine(run, names.sets.get(run.simulation_unit_test_set_id) ?? run.simulation_unit_test_set_id, verdictOf(run, cancelled));
      }),
    );
  }

  async function startRun(detail: CommandAcceptedDetail, query: string): Promise<{ reply: ChatMessage; runId?: string }> {
    const lookup = await resolveSet(query);
    if (!lookup.ok) return { reply: lookup.reply };
    const { set } = lookup;
    let runId: string;
    try {
      runId = (await deps.amigo.createRun(set.id)).runId;
    } catch (error) {
      if (error instanceof ActiveRunExists) return { reply: await activeRunReply(set) };
      if (error instanceof NotFound) return { reply: say("warning", ["Amigo no longer knows the set ", { code: set.id }, "."]) };
      throw error;
    }
    log.info("command.run.created", { runId, setId: set.id, userId: detail.userId });
    const origin: SlackOrigin = { channelId: detail.channelId, userId: detail.userId, ...(detail.teamId ? { teamId: detail.teamId } : {}) };
    await deps.state.create(stateKeys.runOrigin(runId), origin);
    const { facts } = await updateFacts(deps.state, {
      runId,
      setId: set.id,
      setName: set.name,
      createdAt: now().toISOString(),
      ...(deps.amigoUser ? { creator: deps.amigoUser } : {}),
      origin,
    });
    try {
      const placement = await ensureRunMessage(messageDeps, runId, detail.channelId, () => ({ kind: "run", card: buildRunCard(facts) }));
      await recordThread(runId, set.id, placement.ref.ts);
    } catch (error) {
      if (!cannotPostIn(error)) throw error;
      log.warn("command.run.announce_failed", { runId, channelId: detail.channelId, ...errorFields(error) });
      return {
        runId,
        reply: notice("success", [
          ["Started run ", { code: runId }, " of ", { bold: set.name }, "."],
          ["simwatch cannot post in this channel, so its summary will not appear here. Invite the app to the channel, or ", { code: `${commandWord} subscribe` }, " another one."],
        ]),
      };
    }
    return { runId, reply: say("success", ["Started run ", { code: runId }, " of ", { bold: set.name }, ". Its message in this channel will show the result."]) };
  }

  /** Remembers the announcement as the run's thread, so the poller's events carry it. */
  async function recordThread(runId: string, setId: string, threadTs: string): Promise<void> {
    const key = stateKeys.runOrigin(runId);
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await deps.state.get<SlackOrigin>(key);
      if (!current || current.value.threadTs === threadTs) return;
      if (await deps.state.replace(key, { ...current.value, threadTs }, current.etag)) {
        await updateFacts(deps.state, { runId, setId, origin: { ...current.value, threadTs } });
        return;
      }
    }
  }

  async function activeRunReply(set: UnitTestSet): Promise<ChatMessage> {
    const creator = deps.amigoUser ? { creator: [`${deps.amigoUser.org_id},${deps.amigoUser.user_id}`] } : {};
    const [run] = await take(
      deps.amigo.listRuns({ simulation_unit_test_set_id: [set.id], is_completed: false, sort_by: ["-created_at"], limit: 5, ...creator }),
      1,
    );
    if (!run) {
      return say("warning", ["Amigo says there is already an unfinished run of ", { bold: set.name }, ", but simwatch cannot find it. Try again in a minute."]);
    }
    const origin = await originOf(run.id);
    const actions: RunAction[] = [{ kind: "cancel", runId: run.id, label: "Cancel that run" }];
    return notice(
      "warning",
      [
        ["A run of ", { bold: set.name }, " is already unfinished: ", { code: run.id }, `, started ${ago(run.created_at, now())} `, ...startedBy(run, origin), "."],
        ["Amigo allows one unfinished run of a set per user, and simwatch starts every run as the same Amigo user. Cancel that run first, or wait for it to finish."],
      ],
      { actions },
    );
  }

  async function cancelRun(detail: CommandAcceptedDetail, runId: string): Promise<ChatMessage> {
    const key = stateKeys.cancelledBySimwatch(runId);
    // Recorded BEFORE Amigo's cancel, so the poller never sees the cancelled run without it.
    const created = await deps.state.create(key, { by: detail.userId, channelId: detail.channelId, at: now().toISOString(), requestId: detail.requestId });
    const release = async () => {
      if (created) await deps.state.delete(key);
    };
    try {
      await deps.amigo.cancelRun(runId);
    } catch (error) {
      await release();
      if (error instanceof NotFound) return say("warning", ["There is no run with id ", { code: runId }, "."]);
      if (error instanceof RunNotInProgress) {
        const [run] = await deps.amigo.getRuns([runId]);
        if (!run) return say("info", ["Run ", { code: runId }, " has already finished."]);
        const verdict = verdictOf(run, !created);
        const names = await lookUpNames(deps.amigo, [run]);
        const setName = names.sets.get(run.simulation_unit_test_set_id) ?? run.simulation_unit_test_set_id;
        return say("info", ["Run ", { code: runId }, " of ", { bold: setName }, ` has already finished: ${VERDICT_EMOJI[verdict]} ${verdict}.`]);
      }
      throw error;
    }
    log.info("command.cancel.requested", { runId, userId: detail.userId });
    return say("success", ["Asked Amigo to cancel run ", { code: runId }, ". Cancelling is best-effort; the run's message will say “cancelled” once it stops."]);
  }

  async function status(target: string | undefined): Promise<ChatMessage> {
    if (target === undefined) {
      const runs = await take(deps.amigo.listRuns({ is_completed: false, sort_by: ["-created_at"], limit: 20 }), 20);
      if (runs.length === 0) return say("info", ["No runs are in progress."]);
      return notice("info", await runLines(runs), { title: `${runs.length} run${runs.length === 1 ? "" : "s"} in progress` });
    }
    if (OBJECT_ID.test(target)) {
      const [run] = await deps.amigo.getRuns([target]);
      if (run) {
        const [summary] = await summarizeRuns(deps.amigo, deps.state, [run]);
        const origin = await originOf(run.id);
        const facts: RunFacts = {
          runId: run.id,
          setId: run.simulation_unit_test_set_id,
          verdict: summary?.verdict ?? verdictOf(run),
          createdAt: run.created_at,
          creator: run.creator,
          ...(summary ? { summary, setName: summary.setName } : {}),
          ...(origin ? { origin } : {}),
        };
        return { kind: "run", card: buildRunCard(facts) };
      }
    }
    const lookup = await resolveSet(target);
    if (!lookup.ok) {
      return OBJECT_ID.test(target) ? say("warning", ["There is no run or set with id ", { code: target }, "."]) : lookup.reply;
    }
    const runs = await take(deps.amigo.listRuns({ simulation_unit_test_set_id: [lookup.set.id], sort_by: ["-created_at"], limit: 5 }), 5);
    if (runs.length === 0) return say("info", [{ bold: lookup.set.name }, " has no runs yet."]);
    return notice("info", await runLines(runs), { title: `Latest runs of ${lookup.set.name}` });
  }

  async function list(setQuery: string | undefined, failedOnly: boolean): Promise<ChatMessage> {
    let setIds: string[] | undefined;
    let setName: string | undefined;
    if (setQuery !== undefined) {
      const lookup = await resolveSet(setQuery);
      if (!lookup.ok) return lookup.reply;
      setIds = [lookup.set.id];
      setName = lookup.set.name;
    }
    const runs = await take(
      deps.amigo.listRuns({ sort_by: ["-created_at"], limit: 10, ...(setIds ? { simulation_unit_test_set_id: setIds } : {}), ...(failedOnly ? { failed_metrics: true } : {}) }),
      10,
    );
    const what = `${failedOnly ? "failed " : ""}runs${setName ? ` of ${setName}` : ""}`;
    if (runs.length === 0) return say("info", [`No ${what} yet.`]);
    return notice("info", await runLines(runs), { title: `Latest ${what}` });
  }

  async function subscribe(detail: CommandAcceptedDetail, command: Extract<Command, { verb: "subscribe" }>): Promise<ChatMessage> {
    const lookup = await resolveSet(command.set);
    if (!lookup.ok) return lookup.reply;
    const { replaced } = await saveSubscription(deps.state, {
      setId: lookup.set.id,
      setName: lookup.set.name,
      channelId: detail.channelId,
      failuresOnly: command.failuresOnly,
      ...(command.mention ? { mention: command.mention } : {}),
      createdBy: detail.userId,
      createdAt: now().toISOString(),
    });
    const line: Line = [
      "This channel now hears about ",
      command.failuresOnly ? "failed and errored runs" : "every run",
      " of ",
      { bold: lookup.set.name },
      ...(command.mention ? [", mentioning ", command.mention.label] : []),
      replaced ? " (subscription updated)." : ".",
    ];
    return say("success", line);
  }

  async function unsubscribe(detail: CommandAcceptedDetail, query: string): Promise<ChatMessage> {
    const here = (await listSubscriptions(deps.state)).filter((sub) => sub.channelId === detail.channelId);
    const match = here.find((sub) => sub.setId === query || sub.setName.toLowerCase() === query.toLowerCase());
    let setId = match?.setId;
    let setName = match?.setName;
    if (!match) {
      const lookup = await resolveSet(query);
      if (!lookup.ok) return lookup.reply;
      setId = lookup.set.id;
      setName = lookup.set.name;
    }
    if (setId && (await removeSubscription(deps.state, setId, detail.channelId))) {
      return say("success", ["This channel no longer hears about ", { bold: setName ?? setId }, "."]);
    }
    return say("info", ["This channel was not subscribed to ", { bold: setName ?? query }, "."]);
  }

  async function subscriptions(detail: CommandAcceptedDetail): Promise<ChatMessage> {
    const here = (await listSubscriptions(deps.state)).filter((sub) => sub.channelId === detail.channelId);
    const lines: Line[] = here
      .sort((a, b) => a.setName.localeCompare(b.setName))
      .map((sub) => [
        "• ",
        { bold: sub.setName },
        " ",
        { code: sub.setId },
        sub.failuresOnly ? ", failures only" : "",
        ...(sub.mention ? [", mentioning ", sub.mention.label] : []),
      ]);
    if (lines.length === 0) lines.push(["This channel is not subscribed to any set."]);
    if (deps.defaultChannel) {
      lines.push(deps.defaultChannel === detail.channelId ? ["Runs of sets nobody subscribed to are posted here (the default channel)."] : ["Runs of sets nobody subscribed to go to ", { channel: deps.defaultChannel }, "."]);
    }
    return notice("info", lines, { title: "Subscriptions of this channel" });
  }

  async function execute(detail: CommandAcceptedDetail): Promise<{ reply: ChatMessage; runId?: string }> {
    const command = detail.command;
    switch (command.verb) {
      case "run":
        return startRun(detail, command.set);
      case "cancel":
        return { reply: await cancelRun(detail, command.runId) };
      case "status":
        return { reply: await status(command.target) };
      case "list":
        return { reply: await list(command.set, command.failedOnly) };
      case "subscribe":
        return { reply: await subscribe(detail, command) };
      case "unsubscribe":
        return { reply: await unsubscribe(detail, command.set) };
      case "subscriptions":
        return { reply: await subscriptions(detail) };
      case "help":
        return { reply: notice("info", helpText(commandWord).split("\n").map((line): Line => [line]), { title: "simwatch commands" }) };
    }
  }

  async function answer(detail: CommandAcceptedDetail, reply: ChatMessage): Promise<void> {
    if (!detail.responseUrl) return;
    try {
      await deps.chat.respond(detail.responseUrl, reply, { visibility: "ephemeral", replaceOriginal: false });
    } catch (error) {
      log.warn("command.respond.failed", { requestId: detail.requestId, ...errorFields(error) });
    }
  }

  /** Claims the command; returns the attempt number, or an outcome when there is nothing to do. */
  async function claim(detail: CommandAcceptedDetail, key: string): Promise<number | CommandOutcome> {
    const fresh = (attempts: number): CommandMarker => ({ status: "working", attempts, verb: detail.command.verb, startedAt: now().toISOString() });
    if (await deps.state.create(key, fresh(1))) return 1;
    const existing = await deps.state.get<CommandMarker>(key);
    if (!existing) return (await deps.state.create(key, fresh(1))) ? 1 : { status: "in_progress" };
    const marker = existing.value;
    if (marker.status === "done") return { status: "duplicate" };
    const stale = now().getTime() - Date.parse(marker.startedAt) >= staleAfterMs;
    if (marker.status === "working" && !stale) return { status: "in_progress" };
    const attempt = marker.attempts + 1;
    return (await deps.state.replace(key, fresh(attempt), existing.etag)) ? attempt : { status: "in_progress" };
  }

  async function mark(key: string, status: CommandMarker["status"], attempts: number, verb: Command["verb"]): Promise<void> {
    const current = await deps.state.get<CommandMarker>(key);
    const value: CommandMarker = { status, attempts, verb, startedAt: current?.value.startedAt ?? now().toISOString(), finishedAt: now().toISOString() };
    if (current) await deps.state.replace(key, value, current.etag);
    else await deps.state.create(key, value);
  }

  async function handle(detail: CommandAcceptedDetail): Promise<CommandOutcome> {
    const key = stateKeys.commandMarker(markerId(detail.requestId));
    const claimed = await claim(detail, key);
    if (typeof claimed !== "number") {
      log.info("command.skipped", { requestId: detail.requestId, outcome: claimed.status });
      return claimed;
    }
    const attempt = claimed;
    const verb = detail.command.verb;
    let result: { reply: ChatMessage; runId?: string };
    try {
      result = await execute(detail);
    } catch (error) {
      if (amigoUnavailable(error) && attempt < maxAttempts) {
        log.warn("command.amigo_unavailable", { requestId: detail.requestId, verb, attempt, ...errorFields(error) });
        if (attempt === 1) {
          await answer(detail, say("warning", ["Amigo is unavailable right now. simwatch will try ", { code: detail.text }, " again in a minute or two; no need to type it again."]));
        }
        await mark(key, "retry", attempt, verb);
        throw new CommandRetryLater(detail.requestId, attempt, error);
      }
      const reply = amigoUnavailable(error)
        ? say("error", ["Amigo is still unavailable, so ", { code: detail.text }, " did not happen. Try again later."])
        : failureReply(error);
      if (!(error instanceof AmigoApiError)) {
        // Not Amigo's answer: most likely state or chat trouble, worth a redelivery.
        log.error("command.failed", { requestId: detail.requestId, verb, attempt, ...errorFields(error) });
        if (attempt < maxAttempts) {
          await mark(key, "retry", attempt, verb);
          throw error;
        }
      }
      log.warn("command.refused", { requestId: detail.requestId, verb, ...errorFields(error) });
      await answer(detail, reply);
      await mark(key, "done", attempt, verb);
      return { status: "done", reply };
    }
    await answer(detail, result.reply);
    await mark(key, "done", attempt, verb);
    log.info("command.done", { requestId: detail.requestId, verb, ...(result.runId ? { runId: result.runId } : {}) });
    return { status: "done", reply: result.reply, ...(result.runId ? { runId: result.runId } : {}) };
  }

  return { handle };
}

/** Amigo's refusals in plain words. */
function failureReply(error: unknown): ChatMessage {
  if (error instanceof AmigoApiError) {
    switch (error.code) {
      case "unauthorized":
        return say("error", ["Amigo refused simwatch's API key. Whoever runs simwatch needs to check its Amigo credentials."]);
      case "forbidden":
        return say("error", ["simwatch's Amigo user lacks a permission this needs", error.detail ? ` (${error.detail})` : "", "."]);
      case "invalid_request":
        return say("warning", ["Amigo refused that: ", error.detail ?? error.message]);
      case "not_found":
        return say("warning", ["Amigo does not know that", error.detail ? `: ${error.detail}` : "", "."]);
      default:
        return say("error", ["Amigo answered with an error: ", error.detail ?? error.message]);
    }
  }
  return say("error", ["Something went wrong in simwatch; the command did not finish. Try again in a minute."]);
}

export type CommandWorker = ReturnType<typeof createCommandWorker>;
