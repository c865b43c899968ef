/**
 * EventBridge Lambda event -> SimwatchEvent, validated: the source must be "simwatch", the
 * detail-type one of the documented ones, and the detail carry the fields consumers rely on
 * (extra fields are tolerated and kept, as EventBridge consumers should).
 */
import type { EventBridgeEvent } from "aws-lambda";
import * as z from "zod/mini";
import { UserInfo } from "../core/model/amigo-model.js";
import { DETAIL_TYPES, type DetailType, EVENT_SOURCE, type EventDetails, type EventOf, type SimwatchEvent } from "../core/events.js";
import { VERDICTS } from "../core/model/verdict.js";
import "../core/util/zod-locale.js";
import { EventDecodeError } from "./errors.js";

/** What a Lambda target of the bus receives. */
export type SimwatchLambdaEvent = EventBridgeEvent<DetailType, unknown>;

/** A decoded event plus EventBridge's id for it (the same on a redelivery). */
export type DecodedEvent = SimwatchEvent & { id?: string };

const SlackOrigin = z.looseObject({
  channelId: z.string(),
  threadTs: z.optional(z.string()),
  userId: z.string(),
  teamId: z.optional(z.string()),
});

const NonEmpty = z.string().check(z.minLength(1));

const RunRef = { runId: NonEmpty, setId: NonEmpty };

const detailSchemas: Record<DetailType, z.ZodMiniType> = {
  "Run Started": z.looseObject({ ...RunRef, createdAt: z.string(), creator: UserInfo, origin: z.optional(SlackOrigin) }),
  "Run Finished": z.looseObject({
    ...RunRef,
    verdict: z.enum(VERDICTS),
    summary: z.optional(z.looseObject({ runId: z.string(), setId: z.string(), verdict: z.enum(VERDICTS) })),
    summaryRef: z.optional(NonEmpty),
  }),
  "Artifacts Ready": z.looseObject(RunRef),
  "Run Archived": z.looseObject({
    ...RunRef,
    location: z.string(),
    key: z.string(),
    size: z.int().check(z.nonnegative()),
    sha256: z.string(),
    contentType: z.string(),
    failure: z.optional(z.looseObject({ reason: z.string(), tries: z.int().check(z.positive()) })),
  }),
  "Command Accepted": z.looseObject({
    command: z.looseObject({ verb: z.string() }),
    text: z.string(),
    userId: z.string(),
    channelId: z.string(),
    requestId: NonEmpty,
  }),
  "Scheduled Run Due": z.looseObject({
    scheduleId: NonEmpty,
    setId: NonEmpty,
    channelId: NonEmpty,
    owner: NonEmpty,
    dueAt: z.iso.datetime({ offset: true }),
  }),
  "Home Opened": z.looseObject({
    userId: NonEmpty,
    eventId: NonEmpty,
    openedAt: z.iso.datetime({ offset: true }),
  }),
  "Home Refresh Due": z.looseObject({ waiting: z.int().check(z.nonnegative()), at: z.iso.datetime({ offset: true }) }),
};

const Envelope = z.looseObject({
  source: z.literal(EVENT_SOURCE),
  "detail-type": z.enum(DETAIL_TYPES),
  detail: z.unknown(),
  id: z.optional(z.string()),
});

function problems(error: z.core.$ZodError, prefix: string): string[] {
  return error.issues.map((issue) => `${[prefix, ...issue.path.map(String)].filter(Boolean).join(".")}: ${issue.message}`);
}

export function decodeEventBridgeEvent(raw: unknown): DecodedEvent {
  const envelope = Envelope.safeParse(raw);
  if (!envelope.success) throw new EventDecodeError(problems(envelope.error, ""));
  const detailType = envelope.data["detail-type"];
  const detail = detailSchemas[detailType].safeParse(envelope.data.detail);
  if (!detail.success) throw new EventDecodeError(problems(detail.error, "detail"));
  const event = { detailType, detail: detail.data as EventDetails[typeof detailType] } as SimwatchEvent;
  return envelope.data.id === undefined ? event : { ...event, id: envelope.data.id };
}

/** Decodes and insists on one detail-type (a handler subscribed to exactly that). */
export function decodeEventOf<K extends DetailType>(raw: unknown, detailType: K): EventOf<K> & { id?: string } {
  const event = decodeEventBridgeEvent(raw);
  if (event.detailType !== detailType) {
    throw new EventDecodeError([`detail-type: expected "${detailType}", got "${event.detailType}"`]);
  }
  return event as EventOf<K> & { id?: string };
}
