/**
 * The command worker: consumes `Command Accepted` (from the Slack app or the CLI), has the
 * verb do what the command asks (verbs/), and answers through the command's response_url
 * (ephemeral); the answer is also returned, for the terminal.
 *
 * Each command has one record (stateKeys.commandRecord(requestId)), a claim (claims.ts): held
 * while the command is worked on, with each step's result recorded as it happens, completed
 * with the answer. A redelivery finds it completed (and does nothing), held by a live worker
 * (and asks to be redelivered later: it is never dropped), or abandoned (and resumes from the
 * last recorded step, so nothing is done twice). When Amigo is unavailable the user is told
 * once that simwatch will retry, the record is left for the next delivery to resume, and
 * CommandRetryLater makes the bus redeliver; the last attempt answers "try again later".
 *
 * Each delivery has a deadline (the Lambda's time left less a margin to save and answer, or a
 * budget locally): its Amigo calls never start or wait on a rate limit past it. A look-up that
 * does not fit (pages of the set list, say) keeps what it read in state, tells the user once that
 * it is still looking, and is finished by the redelivery. A command older than its response_url
 * (30 minutes from Slack's acceptance) is not carried out, only logged.
 */
import { type AccessPolicy, checkAccess, requesterOf, responseUrlAllowed } from "./access.js";
import { AmigoApiError, type DeadlineReached, isDeferral, RateLimited } from "../model/amigo-errors.js";
import { sleep } from "../util/backoff.js";
import { type ChatMessage, type Line, notice, say } from "../chat.js";
import { type Claim, createClaims, anonymousOwner } from "../idempotency/claims.js";
import { helpText } from "./commands.js";
import type { CommandAcceptedDetail, ScheduledRunDueDetail } from "../events.js";
import { errorFields, silentLogger } from "../log.js";
import type { AmigoApi } from "../ports.js";
import { type MessageDeps, postingFor } from "../notifier/run-messages.js";
import { stateKeys } from "../idempotency/state-keys.js";
import { cancelRun } from "./verbs/cancel.js";
import type { CommandContext, VerbDeps, VerbResult } from "./verbs/context.js";
import { downloadLink } from "./verbs/download.js";
import { report } from "./verbs/report.js";
import { startRun } from "./verbs/run.js";
import { list, status } from "./verbs/status.js";
import { subscribe, subscriptions, unsubscribe } from "./verbs/subscriptions.js";
import { schedule, schedules, unschedule } from "./verbs/schedules.js";
import { decideDue, tellScheduleChannel } from "../schedules/scheduled-runs.js";
import type { ScheduleTimers } from "../ports.js";
import type { UserInfo } from "../model/amigo-model.js";
import { createHash } from "node:crypto";
import { type Deadline, deadlineIn } from "../util/deadline.js";
import { createSetList, type SetList } from "./set-list.js";

export interface CommandWorkerDeps extends MessageDeps {
  amigo: AmigoApi;
  /** Slack's directory and SLACK_ALLOWED_CHANNELS, for the routing and owners `/sim status <set>` shows. */
  directory?: VerbDeps["directory"];
  allowedChannels?: readonly string[];
  /** Who may do what, and where answers may go: checked again here, whatever the event says. */
  access: AccessPolicy;
  /** For the Download artifacts button (the archive presigns a link, or names the location). */
  archive?: VerbDeps["archive"];
  /** ARCHIVE_PREFIX: a download key must lie in its run's folder under it. */
  archivePrefix?: string;
  /** ARCHIVE_WEB_URL: the archive browser, which `/sim report` links into. */
  archiveWebUrl?: string;
  /** The Amigo user simwatch acts as: every run it creates has this creator (for the 409 look-up). */
  amigoUser?: UserInfo;
  /** SLACK_DEFAULT_CHANNEL, to say where unsubscribed sets go. */
  defaultChannel?: string;
  /** EventBridge Scheduler, in AWS; locally none (serve evaluates the schedules in state). */
  timers?: ScheduleTimers;
  /** Deliveries the bus makes per event (Lambda async invocation: 3). The last one gives up politely. */
  maxAttempts?: number;
  /**
   * Puts the command on the bus again (a new event, with deliveries of its own): how a look-up that
   * Amigo's limits spread over more deliveries than the bus makes goes on. Absent: it gives up.
   */
  requeue?: (detail: CommandAcceptedDetail) => Promise<void>;
  /** How long a command's record is honoured while worked on before another delivery takes it over (default 90 s). */
  claimTtlMs?: number;
  commandWord?: string;
  /** A command's time when the caller gives none (locally; default COMMAND_BUDGET_MS). */
  budgetMs?: number;
  /** The cached set list (default: one kept in `state`, this process's own memory of when it last read). */
  sets?: SetList;
}

/** A delivery's time when nobody says how long it has (locally). */
export const COMMAND_BUDGET_MS = 50_000;
/** Time kept back at the end of an invocation to save progress and answer. */
export const COMMAND_SAVE_MARGIN_MS = 8_000;
/** Times a command is put on the bus again at most (each after a delivery that waited out Amigo's limit): a bound besides the response_url's. */
export const MAX_REQUEUES = 10;
/** A response_url works for 30 minutes after Slack accepted the command; a command older than that is not carried out. */
export const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;

/** The deadline of a delivery with `remainingMs` left (Lambda), or the budget where nobody says. */
export function commandDeadline(remainingMs: number | undefined, budgetMs = COMMAND_BUDGET_MS, nowMs: () => number = Date.now): Deadline {
  return deadlineIn(Math.min(budgetMs, (remainingMs ?? Number.POSITIVE_INFINITY) - COMMAND_SAVE_MARGIN_MS), nowMs);
}

interface CommandProgress {
  verb: string;
  /** Deliveries that worked on the command so far. */
  attempts: number;
  /** Each step's result, by name (see CommandContext.step). */
  steps: Record<string, unknown>;
  /** The user was told that Amigo is down and simwatch will retry. */
  retryNoticeSent?: boolean;
  /** Times the command was put on the bus again after its last delivery ran out of Amigo's limits. */
  requeued?: number;
  reply?: ChatMessage;
  runId?: string;
  /** Not carried out: it arrived after its response_url had died. */
  expired?: boolean;
}

export type CommandOutcome =
  | { status: "done"; reply: ChatMessage; runId?: string }
  | { status: "duplicate" }
  /** Older than its response_url: not carried out (logged as command.expired). */
  | { status: "expired" }
  /** Amigo's limits left more to read than this event's deliveries allow: it is on the bus again, its progress kept. */
  | { status: "requeued" }
  /** Not allowed (the reply says who may), or its response_url is not Slack's (no reply at all). Nothing changed. */
  | { status: "refused"; reply?: ChatMessage };

/** Amigo is unavailable; the record is kept for the next delivery. Thrown so the bus redelivers the event. */
export class CommandRetryLater extends Error {
  override readonly name = "CommandRetryLater";
  constructor(
    readonly requestId: string,
    readonly attempt: number,
    cause: unknown,
  ) {
    super(`Command ${requestId}: not finished on attempt ${attempt} (Amigo unavailable, or its limits left no time); retry the event`, { cause });
  }
}

/** Another delivery of the same command is being worked on right now: redeliver later, never drop it. */
export class CommandBusy extends Error {
  override readonly name = "CommandBusy";
  constructor(readonly requestId: string) {
    super(`Command ${requestId} is being worked on by another delivery; retry the event`);
  }
}

const UNAVAILABLE = new Set(["service_unavailable", "timeout", "network"]);

export function amigoUnavailable(error: unknown): boolean {
  return error instanceof AmigoApiError && (UNAVAILABLE.has(error.code) || (error.code === "http_error" && (error.status ?? 0) >= 500));
}

/** Amigo asked us to slow down (a 429 longer than the client waits): not an outage, just later. */
export function amigoBusy(error: unknown): boolean {
  return error instanceof AmigoApiError && error.code === "rate_limited";
}

/** Whether a Slack command came too late to answer: its response_url (30 minutes from acceptance) has died. */
export function outlivedResponseUrl(detail: CommandAcceptedDetail, now: Date): boolean {
  if (!detail.responseUrl || !detail.acceptedAt || detail.schedule) return false;
  return now.getTime() - Date.parse(detail.acceptedAt) > RESPONSE_URL_LIFETIME_MS;
}

/** A requestId safe to use inside a state key. */
export function recordId(requestId: string): string {
  return /^[\w.-]{1,100}$/.test(requestId) && !requestId.startsWith(".") ? requestId : createHash("sha256").update(requestId).digest("hex");
}

function execute(ctx: CommandContext): Promise<VerbResult> {
  const { command } = ctx.detail;
  const reply = async (message: Promise<ChatMessage> | ChatMessage): Promise<VerbResult> => ({ reply: await message });
  switch (command.verb) {
    case "run":
      return startRun(ctx, command.set);
    case "cancel":
      return reply(cancelRun(ctx, command.runId));
    case "status":
      return reply(status(ctx, command.target));
    case "list":
      return reply(list(ctx, command.set, command.failedOnly));
    case "subscribe":
      return reply(subscribe(ctx, command));
    case "unsubscribe":
      return reply(unsubscribe(ctx, command.set));
    case "subscriptions":
      return reply(subscriptions(ctx));
    case "schedule":
      return reply(schedule(ctx, command));
    case "schedules":
      return reply(schedules(ctx));
    case "unschedule":
      return reply(unschedule(ctx, command.set));
    case "report":
      return reply(report(ctx, command.target));
    case "help":
      return reply(notice("info", helpText(ctx.deps.commandWord).split("\n").map((line): Line => [line]), { title: "simwatch commands" }));
    case "download":
      return reply(downloadLink(ctx, command));
  }
}

export function createCommandWorker(deps: CommandWorkerDeps) {
  const log = deps.log ?? silentLogger;
  const maxAttempts = deps.maxAttempts ?? 3;
  const claimTtlMs = deps.claimTtlMs ?? 90_000;
  const owner = deps.owner ?? anonymousOwner();
  const claims = createClaims({ state: deps.state, clock: deps.clock, owner });
  const verbDeps: VerbDeps = {
    ...deps,
    owner,
    log,
    posting: postingFor({ ...deps, owner }),
    commandWord: deps.commandWord ?? "/sim",
    archivePrefix: deps.archivePrefix ?? "",
    sets: deps.sets ?? createSetList({ state: deps.state, clock: deps.clock }),
  };

  async function answer(detail: CommandAcceptedDetail, result: VerbResult): Promise<void> {
    if (detail.schedule) return tellScheduleChannel(verbDeps.posting, detail, result);
    const { reply } = result;
    if (!detail.responseUrl) return;
    try {
      await deps.chat.respond(detail.responseUrl, reply, { visibility: "ephemeral", replaceOriginal: false });
    } catch (error) {
      log.warn("command.respond.failed", { requestId: detail.requestId, ...errorFields(error) });
    }
  }

  /** The verbs' view of the command: Amigo within its deadline; `step` records each result in the claim as it happens. */
  function contextFor(detail: CommandAcceptedDetail, held: { claim: Claim<CommandProgress> }, ttlMs: number, deadline: Deadline): CommandContext {
    return {
      deps: { ...verbDeps, amigo: deps.amigo.withDeadline?.(deadline) ?? deps.amigo },
      detail,
      now: () => deps.clock.now(),
      recorded: <T>(name: string) => held.claim.record.progress.steps[name] as T | undefined,
      async step<T>(name: string, work: () => Promise<T>): Promise<T> {
        const steps = held.claim.record.progress.steps;
        if (name in steps) return steps[name] as T;
        const value = await work();
        held.claim = await claims.checkpoint(held.claim, { steps: { ...steps, [name]: value } }, ttlMs);
        return value;
      },
    };
  }

  /**
   * Amigo is down, or what is left does not fit in this delivery's time (Amigo's limits): tell
   * the user once, leave the record (and what was read) for the next delivery, ask for one.
   */
  async function retryLater(detail: CommandAcceptedDetail, held: { claim: Claim<CommandProgress> }, error: unknown): Promise<never> {
    const { attempts, retryNoticeSent } = held.claim.record.progress;
    const deferred = isDeferral(error);
    log.warn(deferred ? "command.deferred" : "command.amigo_unavailable", { requestId: detail.requestId, verb: detail.command.verb, attempt: attempts, ...errorFields(error) });
    if (!retryNoticeSent && !detail.schedule) await answer(detail, { reply: deferred ? await stillLooking(detail, error) : unavailableNotice(detail) });
    await claims.expireNow(held.claim, { retryNoticeSent: true });
    throw new CommandRetryLater(detail.requestId, attempts, error);
  }

  /** Refuses, before anything is recorded, what the Slack app would have refused. */
  async function refusal(detail: CommandAcceptedDetail): Promise<CommandOutcome | undefined> {
    const { requestId, command } = detail;
    if (detail.responseUrl !== undefined && !responseUrlAllowed(deps.access, detail.responseUrl)) {
      const host = URL.canParse(detail.responseUrl) ? new URL(detail.responseUrl).host : "unreadable";
      log.warn("command.refused", { requestId, verb: command.verb, reason: "response_url", host });
      return { status: "refused" };
    }
    const decision = checkAccess(deps.access, requesterOf(detail), command);
    if (decision.ok) return undefined;
    log.warn("command.refused", { requestId, verb: command.verb, reason: decision.reason, userId: detail.userId, channelId: detail.channelId });
    const reply = say("error", decision.line);
    await answer(detail, { reply });
    return { status: "refused", reply };
  }

  /** ⏳ Still looking: what Amigo's limits left for the next delivery, and how far the set list has been read. */
  async function stillLooking(detail: CommandAcceptedDetail, error: unknown): Promise<ChatMessage> {
    const reading = (await verbDeps.sets.peek().catch(() => undefined))?.reading;
    const progress = reading ? ` (it has read ${reading.sets.length} sets of Amigo's list so far)` : "";
    const why = error instanceof AmigoApiError && error.status === 429 ? "Amigo asked simwatch to slow down (its rate limit)" : "Amigo allows simwatch only a few requests a minute";
    return say("info", [
      `⏳ Still looking: ${why}, so `,
      { code: detail.text },
      ` takes longer than usual${progress}. simwatch answers here when it is done; no need to type it again.`,
    ]);
  }

  /**
   * The last delivery ran out of Amigo's limits with more to read: it waits for the next request
   * to fit (as long as its own time allows, so handing on never spins), then puts the command on
   * the bus again with its deliveries counted afresh; what was read stays in state.
   */
  async function requeue(detail: CommandAcceptedDetail, held: { claim: Claim<CommandProgress> }, error: RateLimited | DeadlineReached, deadline: Deadline): Promise<CommandOutcome> {
    const requeued = (held.claim.record.progress.requeued ?? 0) + 1;
    const slotMs = error instanceof RateLimited ? (error.retryAfterSeconds ?? 0) * 1000 : 0;
    await (deps.sleep ?? sleep)(Math.max(0, Math.min(slotMs, deadline.remainingMs())));
    await claims.expireNow(held.claim, { attempts: 0, requeued });
    await deps.requeue?.(detail);
    log.info("command.requeued", { requestId: detail.requestId, verb: detail.command.verb, requeued, ...errorFields(error) });
    return { status: "requeued" };
  }

  /** The command came after its response_url died: nobody can be answered, so nothing is done. */
  async function expire(detail: CommandAcceptedDetail, claim: Claim<CommandProgress>): Promise<CommandOutcome> {
    const ageMinutes = Math.round((deps.clock.now().getTime() - Date.parse(detail.acceptedAt ?? "")) / 60_000);
    log.warn("command.expired", { requestId: detail.requestId, verb: detail.command.verb, text: detail.text, userId: detail.userId, channelId: detail.channelId, acceptedAt: detail.acceptedAt, ageMinutes });
    await claims.complete(claim, { expired: true });
    return { status: "expired" };
  }

  /**
   * `claimTtlMs`: how long this delivery may hold the command (in Lambda: its time left, plus a
   * margin); `remainingMs`: the invocation's time left, which sets the command's deadline.
   */
  async function handle(detail: CommandAcceptedDetail, options: { claimTtlMs?: number; remainingMs?: number } = {}): Promise<CommandOutcome> {
    const deadline = commandDeadline(options.remainingMs, deps.budgetMs, () => deps.clock.now().getTime());
    const refused = await refusal(detail);
    if (refused) return refused;
    const key = stateKeys.commandRecord(recordId(detail.requestId));
    const ttlMs = options.claimTtlMs ?? claimTtlMs;
    const attempt = await claims.acquire<CommandProgress>(key, { ttlMs, progress: { verb: detail.command.verb, attempts: 0, steps: {} } });
    if (attempt.status === "completed") {
      log.info("command.skipped", { requestId: detail.requestId, outcome: "duplicate" });
      return { status: "duplicate" };
    }
    if (attempt.status === "busy") throw new CommandBusy(detail.requestId);
    // Not begun and its response_url is dead: not carried out. Begun (a run created, say): finished.
    if (outlivedResponseUrl(detail, deps.clock.now()) && Object.keys(attempt.claim.record.progress.steps).length === 0) return expire(detail, attempt.claim);
    const held = { claim: await claims.checkpoint(attempt.claim, { attempts: attempt.claim.record.progress.attempts + 1 }, ttlMs) };
    const attempts = held.claim.record.progress.attempts;
    const verb = detail.command.verb;
    let result: VerbResult;
    try {
      result = await execute(contextFor(detail, held, ttlMs, deadline));
    } catch (error) {
      if ((isDeferral(error) || amigoBusy(error) || amigoUnavailable(error)) && attempts < maxAttempts) return retryLater(detail, held, error);
      if (isDeferral(error) && deps.requeue && (held.claim.record.progress.requeued ?? 0) < MAX_REQUEUES) return requeue(detail, held, error, deadline);
      if (!(error instanceof AmigoApiError)) {
        // Not Amigo's answer: most likely state or chat trouble, worth a redelivery (which resumes).
        log.error("command.failed", { requestId: detail.requestId, verb, attempt: attempts, ...errorFields(error) });
        if (attempts < maxAttempts) {
          await claims.expireNow(held.claim);
          throw error;
        }
      }
      log.warn("command.refused", { requestId: detail.requestId, verb, ...errorFields(error) });
      result = { reply: lastAttemptReply(detail, error) };
    }
    await answer(detail, result);
    await claims.complete(held.claim, { reply: result.reply, ...(result.runId ? { runId: result.runId } : {}) });
    log.info("command.done", { requestId: detail.requestId, verb, ...(result.runId ? { runId: result.runId } : {}) });
    return { status: "done", reply: result.reply, ...(result.runId ? { runId: result.runId } : {}) };
  }

  /** `Scheduled Run Due`: the schedule's run, as its owner's `/sim run` in its channel (scheduled-runs.ts). */
  async function handleDue(detail: ScheduledRunDueDetail, options: { claimTtlMs?: number; remainingMs?: number } = {}): Promise<CommandOutcome | { status: "skipped"; reason: string }> {
    const decision = await decideDue({ state: deps.state, clock: deps.clock, log }, detail);
    if ("skip" in decision) return { status: "skipped", reason: decision.skip };
    return handle(decision.run, options);
  }

  return { handle, handleDue };
}

function unavailableNotice(detail: CommandAcceptedDetail): ChatMessage {
  return say("warning", ["Amigo is unavailable right now. simwatch will try ", { code: detail.text }, " again in a minute or two; no need to type it again."]);
}

function lastAttemptReply(detail: CommandAcceptedDetail, error: unknown): ChatMessage {
  if (amigoUnavailable(error)) return say("error", ["Amigo is still unavailable, so ", { code: detail.text }, " did not happen. Try again later."]);
  if (isDeferral(error) || amigoBusy(error)) {
    return say("warning", ["Amigo's rate limits kept simwatch from finishing ", { code: detail.text }, " in time, so it did not happen. What simwatch read is kept: try again in a minute and it carries on from there."]);
  }
  return failureReply(error);
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
