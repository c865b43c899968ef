/**
 * Slack's Events API requests (https://api.slack.com/apis/events-api), read from their JSON
 * bodies into typed values: the `url_verification` handshake, and `event_callback`s, of which
 * simwatch uses `app_home_opened` on the Home tab. Anything else Slack may send is "ignored"
 * (answered 200, so Slack does not retry it); a body that is not Slack's shape is "malformed".
 */
import type { PayloadRead } from "./request-checks.js";

export type EventsRequest =
  | { kind: "url_verification"; challenge: string }
  /** Someone opened the Home tab: `event_callback` with `app_home_opened`, tab `home`. */
  | { kind: "home_opened"; userId: string; teamId?: string; enterpriseId?: string; eventId: string; eventTime: number };

const ID = /^[A-Z0-9][A-Z0-9_-]{0,63}$/i;
const EVENT_ID = /^[\w.-]{1,100}$/;

type Obj = Record<string, unknown>;
const isObj = (value: unknown): value is Obj => typeof value === "object" && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

function parse(raw: string): Obj | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    return isObj(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** `team_id` and `enterprise_id` name the workspace; ids that are not ids are not trusted. */
function workspaceOf(body: Obj): { teamId?: string; enterpriseId?: string } | undefined {
  const teamId = str(body.team_id);
  const enterpriseId = str(body.enterprise_id);
  if ((teamId !== undefined && !ID.test(teamId)) || (enterpriseId !== undefined && !ID.test(enterpriseId))) return undefined;
  return { ...(teamId ? { teamId } : {}), ...(enterpriseId ? { enterpriseId } : {}) };
}

function readCallback(body: Obj): PayloadRead<EventsRequest> {
  const inner = body.event;
  const eventId = str(body.event_id);
  const eventTime = body.event_time;
  const workspace = workspaceOf(body);
  if (!isObj(inner) || !str(inner.type) || !eventId || !EVENT_ID.test(eventId) || typeof eventTime !== "number" || !Number.isFinite(eventTime) || !workspace) {
    return { kind: "malformed" };
  }
  if (inner.type !== "app_home_opened") return { kind: "ignored" };
  // The Messages and About tabs send the same event; simwatch has only a Home.
  if (inner.tab !== "home") return { kind: "ignored" };
  const userId = str(inner.user);
  if (!userId || !ID.test(userId)) return { kind: "malformed" };
  return { kind: "read", payload: { kind: "home_opened", userId, ...workspace, eventId, eventTime } };
}

/** An Events API body as Slack sends it. */
export function readEventsRequest(raw: string): PayloadRead<EventsRequest> {
  const body = parse(raw);
  if (!body) return { kind: "malformed" };
  switch (body.type) {
    case "url_verification": {
      const challenge = str(body.challenge);
      return challenge && challenge.length <= 200 ? { kind: "read", payload: { kind: "url_verification", challenge } } : { kind: "malformed" };
    }
    case "event_callback":
      return readCallback(body);
    default:
      // app_rate_limited and whatever Slack adds later: nothing to do, and no retry wanted.
      return typeof body.type === "string" ? { kind: "ignored" } : { kind: "malformed" };
  }
}
