import { describe, expect, it } from "vitest";
import { parseCommand } from "../../../../functions/core/commands/commands.js";
import { awsCron, cronText, parseCron } from "../../../../functions/core/schedules/cron.js";
import { cronOf, describeWhen } from "../../../../functions/core/schedules/schedule-grammar.js";

const parsed = (text: string) => parseCommand(text);
const error = (text: string) => {
  const result = parseCommand(text);
  if (result.ok) throw new Error(`"${text}" parsed: ${JSON.stringify(result.command)}`);
  return result;
};

describe("/sim schedule <set> <when> [--tz]", () => {
  it("reads each form of <when>, with the set before it and no quotes needed", () => {
    expect(parsed("schedule Checkout flows daily 09:00")).toEqual({
      ok: true,
      command: { verb: "schedule", set: "Checkout flows", when: { kind: "daily", time: "09:00" }, timeZone: "UTC", timeZoneGiven: false },
    });
    expect(parsed("schedule Billing weekdays 7:30")).toMatchObject({ command: { set: "Billing", when: { kind: "weekdays", time: "07:30" } } });
    expect(parsed("schedule Onboarding happy path hourly")).toMatchObject({ command: { set: "Onboarding happy path", when: { kind: "hourly" } } });
    expect(parsed("schedule Refunds every 6 hours")).toMatchObject({ command: { set: "Refunds", when: { kind: "every-hours", hours: 6 } } });
    expect(parsed("schedule Refunds every 1 hour")).toMatchObject({ command: { when: { kind: "hourly" } } });
    expect(parsed('schedule Checkout flows "*/30 9-17 * * mon-fri"')).toMatchObject({
      command: { set: "Checkout flows", when: { kind: "cron", expression: "0,30 9-17 * * 1-5" } },
    });
  });

  it("still accepts a quoted set name, straight or curly quotes, and Slack's escaping", () => {
    expect(parsed('schedule "Checkout flows" daily 09:00')).toMatchObject({ command: { set: "Checkout flows" } });
    expect(parsed("schedule “Checkout flows” “0 9 * * 1”")).toMatchObject({ command: { set: "Checkout flows", when: { kind: "cron", expression: "0 9 * * 1" } } });
    expect(parsed("schedule R&amp;D daily 09:00")).toMatchObject({ command: { set: "R&D" } });
  });

  it("takes a set name containing -- when it is quoted, as every verb does", () => {
    expect(parsed('schedule "Checkout -- legacy" hourly --tz Europe/Paris')).toMatchObject({ command: { set: "Checkout -- legacy", timeZone: "Europe/Paris" } });
    expect(error("schedule Checkout -- legacy hourly").error).toContain("Unknown option --");
  });

  it("tells a set whose name ends like a <when> from the <when> by reading from the end", () => {
    expect(parsed("schedule Daily checks daily 06:00")).toMatchObject({ command: { set: "Daily checks", when: { kind: "daily", time: "06:00" } } });
    expect(parsed("schedule hourly hourly")).toMatchObject({ command: { set: "hourly", when: { kind: "hourly" } } });
  });

  it("takes a time zone, spelled as Intl spells it, and says UTC when none is given", () => {
    expect(parsed("schedule Checkout daily 09:00 --tz europe/berlin")).toMatchObject({ command: { timeZone: "Europe/Berlin", timeZoneGiven: true } });
    expect(parsed("schedule Checkout daily 09:00 --tz=America/New_York")).toMatchObject({ command: { timeZone: "America/New_York" } });
    expect(parsed("schedule Checkout daily 09:00")).toMatchObject({ command: { timeZone: "UTC", timeZoneGiven: false } });
  });

  it.each([
    ["schedule", "schedule needs a set"],
    ["schedule Checkout flows", "Say when at the end"],
    ['schedule "Checkout flows"', "Say when at the end"],
    ["schedule daily 09:00", "needs a set before"],
    ["schedule Checkout daily 25:00", '"25:00" is not a time of day'],
    ["schedule Checkout daily 9am", "24-hour HH:MM"],
    ["schedule Checkout every 5 hours", "divides the day"],
    ["schedule Checkout 0 9 * * 1-5", 'Put the cron expression in quotes: "0 9 * * 1-5"'],
    ['schedule Checkout "0 9 * *"', "five fields"],
    ['schedule Checkout "61 9 * * *"', '"61" is not a minute'],
    ['schedule Checkout "* 9 * * *"', "every minute"],
    ['schedule Checkout "0 9 1 * 1"', "not both"],
    ['schedule Checkout "0 9 * * 5-1"', "runs backwards"],
    ["schedule Checkout daily 09:00 --tz Mars/Olympus", '"Mars/Olympus" is not a time zone'],
    ["schedule Checkout daily 09:00 --tz", "--tz needs a value"],
    ["schedule Checkout daily 09:00 --every-day", "Unknown option --every-day"],
    ["schedule <@U123ABC> daily 09:00", "looks like a Slack mention"],
  ])("answers %j with what is wrong and the usage", (text, message) => {
    const result = error(text);
    expect(result.error).toContain(message);
    expect(result.usage).toContain("schedule <set> <when> [--tz <Area/City>]");
    expect(result.usage).toContain("comes last");
  });

  it("reads schedules and unschedule <set>", () => {
    expect(parsed("schedules")).toEqual({ ok: true, command: { verb: "schedules" } });
    expect(parsed('unschedule "Checkout flows"')).toEqual({ ok: true, command: { verb: "unschedule", set: "Checkout flows" } });
    expect(error("schedules Checkout").error).toContain("takes no arguments");
    expect(error("unschedule").error).toContain("needs a set");
  });
});

function cron(text: string) {
  const result = parseCron(text);
  if (!result.ok) throw new Error(result.error);
  return result.cron;
}

describe("cron expressions", () => {
  it("are rewritten in one normal form: steps, ranges and names become lists of numbers", () => {
    const normal = (text: string) => cronText(cron(text));
    expect(normal("*/15 * * * *")).toBe("0,15,30,45 * * * *");
    expect(normal("5/20 8-10 * jan,JUL *")).toBe("5,25,45 8-10 * 1,7 *");
    expect(normal("0 0 * * 7")).toBe("0 0 * * 0");
    expect(normal("0 0 * * 6-7")).toBe("0 0 * * 0,6");
  });

  it("become EventBridge Scheduler's six fields: days of week counted from Sunday = 1, ? for the other day field", () => {
    const aws = (text: string) => awsCron(cron(text));
    expect(aws("0 9 * * 1-5")).toBe("cron(0 9 ? * 2-6 *)");
    expect(aws("0 9 * * 0,6")).toBe("cron(0 9 ? * 1,7 *)");
    expect(aws("30 2 1,15 * *")).toBe("cron(30 2 1,15 * ? *)");
    expect(aws("0 */6 * * *")).toBe("cron(0 0,6,12,18 * * ? *)");
  });

  it("say each <when> as a cron expression and in words", () => {
    expect(cronText(cronOf({ kind: "weekdays", time: "09:05" }))).toBe("5 9 * * 1-5");
    expect(cronText(cronOf({ kind: "every-hours", hours: 8 }))).toBe("0 0,8,16 * * *");
    expect(describeWhen({ kind: "weekdays", time: "09:05" })).toBe("every weekday (Mon-Fri) at 09:05");
    expect(describeWhen({ kind: "every-hours", hours: 8 })).toBe("every 8 hours from midnight");
  });
});
