import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, SettingsError, parseSettings } from "../../infra/settings.js";

const from = (context: Record<string, unknown>) => parseSettings((key) => context[key]);

function problemsOf(context: Record<string, unknown>): string[] {
  try {
    from(context);
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return (error as SettingsError).problems.map((p) => `${p.key}: ${p.message}`);
  }
  throw new Error("expected a SettingsError");
}

describe("deploy settings from CDK context", () => {
  it("defaults to polling every minute, runs/ archived to IA at 30 and Glacier at 180 days, state kept 30 days", () => {
    expect(from({})).toEqual({
      scheduleMinutes: 1,
      allowedUsers: [],
      allowedChannels: [],
      allowedTeams: [],
      infrequentAccessDays: 30,
      glacierDays: 180,
      stateRetentionDays: 30,
      amigoApiUrl: DEFAULT_SETTINGS.amigoApiUrl,
      archivePrefix: "runs/",
      commandWorkerReservedConcurrency: 2,
    });
  });

  it("reads -c strings and cdk.json values alike", () => {
    const settings = from({
      scheduleRate: "5 minutes",
      defaultChannel: "C0123ABCD",
      allowedUsers: "U012AB, W034CD ,U012AB",
      allowedChannels: ["C111", "G222"],
      allowedTeams: "T0TEAM, E0ORG",
      slackHttpReservedConcurrency: "20",
      pollerReservedConcurrency: 1,
      infrequentAccessDays: "45",
      glacierDays: 365,
      stateRetentionDays: "14",
      alarmEmail: "ops@example.com",
      amigoApiUrl: "https://api.eu.amigo.ai",
      archivePrefix: "simwatch/runs/",
    });
    expect(settings).toMatchObject({
      scheduleMinutes: 5,
      defaultChannel: "C0123ABCD",
      allowedUsers: ["U012AB", "W034CD"],
      allowedChannels: ["C111", "G222"],
      allowedTeams: ["T0TEAM", "E0ORG"],
      slackHttpReservedConcurrency: 20,
      pollerReservedConcurrency: 1,
      infrequentAccessDays: 45,
      glacierDays: 365,
      stateRetentionDays: 14,
      alarmEmail: "ops@example.com",
      amigoApiUrl: "https://api.eu.amigo.ai",
      archivePrefix: "simwatch/runs/",
    });
  });

  it.each([
    ["1 minute", 1],
    ["10 minutes", 10],
    ["rate(15 minutes)", 15],
    ["2 hours", 120],
    [3, 3],
  ])("understands the rate %j as %i minute(s)", (rate, minutes) => {
    expect(from({ scheduleRate: rate }).scheduleMinutes).toBe(minutes);
  });

  it("accepts pollRate as an alias of scheduleRate, but not both at once", () => {
    expect(from({ pollRate: "2 minutes" }).scheduleMinutes).toBe(2);
    expect(problemsOf({ pollRate: "2 minutes", scheduleRate: "1 minute" })).toEqual([
      "pollRate: give scheduleRate or its alias pollRate, not both",
    ]);
  });

  it("can switch either storage-class transition off with 0", () => {
    expect(from({ infrequentAccessDays: 0, glacierDays: 90 })).toMatchObject({ infrequentAccessDays: 0, glacierDays: 90 });
    expect(from({ glacierDays: "0" })).toMatchObject({ infrequentAccessDays: 30, glacierDays: 0 });
  });

  it("reports every bad key at once, naming the key and what it expects", () => {
    const problems = problemsOf({
      scheduleRate: "30 seconds",
      defaultChannel: "#general",
      allowedUsers: "U01,alice",
      allowedTeams: "T0TEAM,C0CHANNEL",
      slackHttpReservedConcurrency: 0,
      pollerReservedConcurrency: "one",
      infrequentAccessDays: 10,
      alarmEmail: "not-an-email",
      amigoApiUrl: "http://api.amigo.ai",
      archivePrefix: "runs",
    });
    expect(problems.map((p) => p.split(":")[0])).toEqual([
      "scheduleRate",
      "defaultChannel",
      "allowedUsers",
      "allowedTeams",
      "slackHttpReservedConcurrency",
      "pollerReservedConcurrency",
      "infrequentAccessDays",
      "alarmEmail",
      "amigoApiUrl",
      "archivePrefix",
    ]);
    expect(problems.join("\n")).toContain('not ids: "alice"');
  });

  it.each([0, 2, "1.5", "a month"])("refuses to keep state %j days (it must outlive a watched run)", (stateRetentionDays) => {
    expect(problemsOf({ stateRetentionDays })[0]).toMatch(/^stateRetentionDays: /);
  });

  it("keeps Glacier at least 30 days after Standard-IA", () => {
    expect(problemsOf({ infrequentAccessDays: 60, glacierDays: 80 })[0]).toMatch(/^glacierDays: must be at least 30 days after infrequentAccessDays \(60\)/);
  });

  it.each(["/runs/", "_simwatch/runs/", "runs/*", "runs"])("refuses the archive prefix %j", (archivePrefix) => {
    expect(problemsOf({ archivePrefix })[0]).toMatch(/^archivePrefix: /);
  });

  it("treats a blank value as unset", () => {
    expect(from({ archivePrefix: " ", scheduleRate: "" })).toMatchObject({ archivePrefix: "runs/", scheduleMinutes: 1 });
  });

  it("says where settings come from in its message", () => {
    expect(() => from({ glacierDays: -1 })).toThrow(/CDK context, cdk.json or -c key=value[\s\S]*glacierDays/);
  });
});
