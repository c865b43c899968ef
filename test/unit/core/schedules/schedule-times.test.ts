import { describe, expect, it } from "vitest";
import { cronOf, type When } from "../../../../functions/core/schedules/schedule-grammar.js";
import { formatInZone, latestDue, nextTimes } from "../../../../functions/core/schedules/schedule-times.js";

const next = (when: When, timeZone: string, after: string, count: number) =>
  nextTimes(cronOf(when), timeZone, new Date(after), count).map((date) => date.toISOString());

describe("next run times", () => {
  it("are in the schedule's time zone, following its UTC offset through the year", () => {
    expect(next({ kind: "daily", time: "09:00" }, "Europe/Berlin", "2026-01-10T12:00:00Z", 1)).toEqual(["2026-01-11T08:00:00.000Z"]);
    expect(next({ kind: "daily", time: "09:00" }, "Europe/Berlin", "2026-07-10T12:00:00Z", 1)).toEqual(["2026-07-11T07:00:00.000Z"]);
    expect(next({ kind: "daily", time: "09:00" }, "UTC", "2026-07-10T12:00:00Z", 1)).toEqual(["2026-07-11T09:00:00.000Z"]);
  });

  it("keep a weekday schedule at 09:00 local across the change to summer time (New York, 8 March 2026)", () => {
    expect(next({ kind: "weekdays", time: "09:00" }, "America/New_York", "2026-03-06T00:00:00Z", 3)).toEqual([
      "2026-03-06T14:00:00.000Z", // Friday, EST
      "2026-03-09T13:00:00.000Z", // Monday, EDT
      "2026-03-10T13:00:00.000Z",
    ]);
  });

  it("skip a time the clocks jump over (Berlin, 29 March 2026, 02:00 -> 03:00), as EventBridge Scheduler does", () => {
    expect(next({ kind: "daily", time: "02:30" }, "Europe/Berlin", "2026-03-27T12:00:00Z", 3)).toEqual([
      "2026-03-28T01:30:00.000Z",
      "2026-03-30T00:30:00.000Z",
      "2026-03-31T00:30:00.000Z",
    ]);
  });

  it("run a time the clocks go through twice once (Berlin, 25 October 2026, 03:00 -> 02:00)", () => {
    expect(next({ kind: "daily", time: "02:30" }, "Europe/Berlin", "2026-10-24T12:00:00Z", 2)).toEqual([
      "2026-10-25T00:30:00.000Z", // 02:30 CEST, the first time
      "2026-10-26T01:30:00.000Z",
    ]);
    expect(next({ kind: "hourly" }, "Europe/Berlin", "2026-10-24T23:30:00Z", 4)).toEqual([
      "2026-10-25T00:00:00.000Z", // 02:00 CEST
      "2026-10-25T02:00:00.000Z", // 03:00 CET: 02:00 CET, the repeat, is skipped
      "2026-10-25T03:00:00.000Z",
      "2026-10-25T04:00:00.000Z",
    ]);
  });

  it("find the latest due time within a window, or none", () => {
    const cron = cronOf({ kind: "daily", time: "09:00" });
    const due = (now: string, notBefore: string) => latestDue(cron, "UTC", new Date(now), new Date(notBefore))?.toISOString();
    expect(due("2026-04-01T09:00:00Z", "2026-04-01T08:00:00Z")).toBe("2026-04-01T09:00:00.000Z");
    expect(due("2026-04-01T09:40:00Z", "2026-04-01T08:40:00Z")).toBe("2026-04-01T09:00:00.000Z");
    expect(due("2026-04-01T10:10:00Z", "2026-04-01T09:10:00Z")).toBeUndefined();
    expect(due("2026-04-01T08:59:59Z", "2026-04-01T07:59:59Z")).toBeUndefined();
  });

  it("are shown in the zone's wall-clock time", () => {
    expect(formatInZone(new Date("2026-04-06T07:00:00Z"), "Europe/Berlin")).toBe("Mon 6 Apr 2026, 09:00");
    expect(formatInZone(new Date("2026-04-06T00:30:00Z"), "America/New_York")).toBe("Sun 5 Apr 2026, 20:30");
  });
});
