import { describe, expect, it } from "vitest";
import { identityOf, safeNext, SESSION_MAX_SECONDS, workspaceAllowed } from "../../../../functions/core/archive-browser/sign-in-rules.js";
import { accessPolicy } from "../../../../functions/core/commands/access.js";
import { parseConfig } from "../../../../functions/core/config.js";

describe("sign-in rules", () => {
  it("goes back to a path inside the archive browser only", () => {
    expect(safeNext("/archive/abc/def/", "/archive")).toBe("/archive/abc/def/");
    expect(safeNext("/archive/abc/def/run.json?x=1", "/archive")).toBe("/archive/abc/def/run.json?x=1");
    for (const next of [undefined, "", "https://evil.example/", "//evil.example", "/archive//evil.example", "/archive/../auth/logout", "/auth/logout", "/archive\\evil", "/archivex/", "/archive/\nSet-Cookie:"]) {
      expect(safeNext(next, "/archive")).toBe("/archive/");
    }
  });

  it("reads Slack's team and enterprise claims, and admits only the allowed workspaces", () => {
    const policy = accessPolicy(parseConfig({ SLACK_TEAM_ID: "T0ALLOWED,E0GRID" }));
    const ada = identityOf({ sub: "U1", "https://slack.com/team_id": "T0ALLOWED", name: "Ada" });
    expect(ada).toEqual({ sub: "U1", teamId: "T0ALLOWED", name: "Ada" });
    expect(workspaceAllowed(policy, ada!)).toBe(true);
    expect(workspaceAllowed(policy, identityOf({ sub: "U2", "https://slack.com/team_id": "T0OTHER", "https://slack.com/enterprise_id": "E0GRID" })!)).toBe(true);
    expect(workspaceAllowed(policy, identityOf({ sub: "U3", "https://slack.com/team_id": "T0OTHER" })!)).toBe(false);
    expect(workspaceAllowed(policy, identityOf({ sub: "U4" })!)).toBe(false);
    expect(identityOf({ "https://slack.com/team_id": "T0ALLOWED" })).toBeUndefined();
    expect(SESSION_MAX_SECONDS).toBeLessThanOrEqual(12 * 3600);
  });
});
