import { describe, expect, it } from "vitest";
import {
  type AccessPolicy,
  accessPolicy,
  CHANGING_VERBS,
  checkAccess,
  needsPermission,
  requester,
  requesterOf,
  responseUrlAllowed,
} from "../../../../functions/core/commands/access.js";
import { parseConfig } from "../../../../functions/core/config.js";
import type { AcceptedCommand } from "../../../../functions/core/events.js";

const policy = (env: Record<string, string> = {}, loopbackResponses = false): AccessPolicy => accessPolicy(parseConfig(env), { loopbackResponses });
const alice = requester({ userId: "U0ALICE", channelId: "C0OPS", teamIds: ["T0TEAM"], enterpriseIds: [] });
const run: AcceptedCommand = { verb: "run", set: "Checkout flows" };
const list: AcceptedCommand = { verb: "list", failedOnly: false };

describe("what needs permission", () => {
  it("is every verb that changes something, and every button; read-only verbs stay open", () => {
    expect([...CHANGING_VERBS].sort()).toEqual(["cancel", "run", "schedule", "subscribe", "unschedule", "unsubscribe"]);
    expect(needsPermission({ verb: "download", runId: "r", setId: "s", key: "k" })).toBe(true);
    for (const verb of ["status", "list", "subscriptions", "schedules", "help"] as const) {
      expect(needsPermission({ verb } as AcceptedCommand)).toBe(false);
    }
  });
});

describe("checkAccess", () => {
  it("lets everyone do everything when nothing is configured", () => {
    expect(checkAccess(policy(), requester({ userId: "U0ANY", teamIds: [], enterpriseIds: [] }), run)).toEqual({ ok: true });
  });

  it("names who may, when the user is not listed, and lets them read", () => {
    const restricted = policy({ SLACK_ALLOWED_USERS: "U0BOB,U0CAROL" });
    const decision = checkAccess(restricted, alice, run);
    expect(decision).toMatchObject({ ok: false, reason: "user" });
    expect(decision.ok || decision.line).toEqual([
      "Only ",
      { user: "U0BOB" },
      " and ",
      { user: "U0CAROL" },
      " may use run, cancel, subscribe, unsubscribe, schedule, unschedule and the buttons (",
      { code: "SLACK_ALLOWED_USERS" },
      "); ask one of them.",
    ]);
    expect(checkAccess(restricted, alice, list)).toEqual({ ok: true });
  });

  it("names at most five people, then how many more", () => {
    const many = policy({ SLACK_ALLOWED_USERS: "U1,U2,U3,U4,U5,U6,U7" });
    const decision = checkAccess(many, alice, run);
    expect(decision.ok ? [] : decision.line.filter((span) => typeof span === "object" && "user" in span)).toHaveLength(5);
    expect(JSON.stringify(decision)).toContain(" and 2 more");
  });

  it("names the allowed channels when the channel is not listed, a DM included", () => {
    const restricted = policy({ SLACK_ALLOWED_CHANNELS: "C0GENERAL" });
    expect(checkAccess(restricted, alice, run)).toMatchObject({ ok: false, reason: "channel", line: expect.arrayContaining([{ channel: "C0GENERAL" }]) });
    expect(checkAccess(restricted, requester({ userId: "U0ALICE", teamIds: ["T0TEAM"], enterpriseIds: [] }), run)).toMatchObject({ reason: "channel" });
    expect(checkAccess(restricted, alice, list)).toEqual({ ok: true });
  });

  it.each([
    ["another team", { teamIds: ["T0OTHER"], enterpriseIds: [] }, false],
    ["no team at all", { teamIds: [], enterpriseIds: [] }, false],
    ["our team with a Slack Connect guest's own team", { teamIds: ["T0TEAM", "T0OTHER"], enterpriseIds: [] }, false],
    ["another enterprise", { teamIds: ["T0OTHER"], enterpriseIds: ["E0OTHER"] }, false],
    ["a listed team", { teamIds: ["T0TEAM"], enterpriseIds: [] }, true],
    ["any workspace of a listed enterprise", { teamIds: ["T0SISTER"], enterpriseIds: ["E0ORG"] }, true],
    ["a user.team_id that is the listed enterprise's E id", { teamIds: ["T0SISTER", "E0ORG"], enterpriseIds: [] }, true],
  ])("SLACK_TEAM_ID: %s -> %s, for read-only verbs too", (_name, ids, allowed) => {
    const workspaces = policy({ SLACK_TEAM_ID: "T0TEAM,E0ORG" });
    const who = requester({ userId: "U0ALICE", channelId: "C0OPS", ...ids });
    for (const command of [run, list]) expect(checkAccess(workspaces, who, command).ok).toBe(allowed);
  });

  it("reads the workspace ids of a Command Accepted as the app saw them", () => {
    const who = requesterOf({ command: run, text: "", userId: "U1", channelId: "C1", requestId: "r", teamId: "T1", userTeamId: "E1", enterpriseId: "E1" });
    expect(who).toEqual({ userId: "U1", channelId: "C1", teamIds: ["T1"], enterpriseIds: ["E1"] });
  });
});

describe("responseUrlAllowed", () => {
  it.each([
    ["https://hooks.slack.com/commands/T0/1/abc", true],
    ["https://hooks.slack.com/actions/T0/1/abc", true],
    ["http://hooks.slack.com/commands/T0/1/abc", false],
    ["https://hooks.slack.com:8443/commands/T0/1/abc", false],
    ["https://hooks.slack.com.evil.example/commands/1", false],
    ["https://evil.example/?u=https://hooks.slack.com/", false],
    ["https://user:pass@hooks.slack.com/commands/1", false],
    ["http://127.0.0.1:9001/2018-06-01/runtime/invocation/next", false],
    ["file:///etc/passwd", false],
    ["not a url", false],
  ])("%s -> %s", (url, allowed) => {
    expect(responseUrlAllowed(policy(), url)).toBe(allowed);
  });

  it("also allows the origin of a configured SLACK_API_URL (a stand-in), and loopback only where the terminal is Slack", () => {
    const stand = policy({ SLACK_API_URL: "http://127.0.0.1:4555/api/" });
    expect(responseUrlAllowed(stand, "http://127.0.0.1:4555/response/x")).toBe(true);
    expect(responseUrlAllowed(stand, "http://127.0.0.1:4556/response/x")).toBe(false);
    expect(responseUrlAllowed(policy({}, true), "http://127.0.0.1:4556/response")).toBe(true);
    expect(responseUrlAllowed(policy({}, true), "http://10.0.0.1/response")).toBe(false);
  });
});
