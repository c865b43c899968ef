import { describe, expect, it } from "vitest";
import { accessPolicy } from "../../../../functions/core/commands/access.js";
import { parseConfig } from "../../../../functions/core/config.js";
import type { HomeFacts } from "../../../../functions/core/home/home-facts.js";
import { buildHome, estimatedFit, HOME_LIMITS } from "../../../../functions/core/home/home-view.js";
import type { HomeView } from "../../../../functions/core/chat.js";

const id = (n: number, kind = "a") => `${kind}${String(n).padStart(23, "0")}`.slice(0, 24).replace(/[^0-9a-f]/g, "a");

function facts(sets: number, running: number, schedules: number, nameChars = 20): HomeFacts {
  const name = (i: number) => `Set ${i} ${"&<>".repeat(nameChars)}`;
  return {
    readAt: "2026-12-06T10:00:00.000Z",
    sets: Array.from({ length: sets }, (_, i) => ({ setId: id(i), setName: name(i), latestRunId: id(i, "b"), verdict: "failed", lastRunAt: "2026-12-05T10:00:00.000Z", sparkline: "▁▃█" })),
    running: Array.from({ length: running }, (_, i) => ({ runId: id(i, "c"), setId: id(i), setName: name(i), verdict: "running", createdAt: "2026-12-06T09:00:00.000Z", startedBy: "U0ALICE" })),
    started: Array.from({ length: 40 }, (_, i) => ({ runId: id(i, "d"), setId: id(i), setName: name(i), verdict: "passed", createdAt: "2026-12-06T08:00:00.000Z", startedBy: i % 2 ? "U0ALICE" : "U0BOB" })),
    schedules: Array.from({ length: schedules }, (_, i) => ({ setId: id(i), setName: name(i), channelId: "C0TEAM", owner: "U0ALICE", description: "every day at 09:00", next: "2026-12-07T09:00:00.000Z" })),
    runsCut: sets >= 200,
  };
}

const open = accessPolicy(parseConfig({}));
const onlyBob = accessPolicy(parseConfig({ SLACK_ALLOWED_USERS: "U0BOB" }));
const kinds = (view: HomeView) => view.blocks.flatMap((b) => (b.kind === "buttons" ? b.buttons : b.kind === "item" && b.button ? [b.button] : [])).map((b) => b.kind);

describe("buildHome", () => {
  it("shows at most 25 sets, most recent first as given, and says how many more there are", () => {
    const view = buildHome({ facts: facts(200, 3, 5), userId: "U0ALICE", access: open, archiveWebUrl: "https://a.example/archive/" });
    const text = JSON.stringify(view);
    expect(view.blocks.length).toBeLessThanOrEqual(HOME_LIMITS.blocks);
    expect(text).toContain("Set 24 ");
    expect(text).not.toContain("Set 25 ");
    expect(text).toContain("175 sets more not shown here");
    expect(text).toContain("Read from the latest 200 runs");
  });

  it("keeps within Slack's limits whatever the numbers and the names", () => {
    for (const [sets, running, schedules, chars] of [[1000, 500, 500, 2000], [0, 0, 0, 0], [30, 200, 3, 5000]] as const) {
      const view = buildHome({ facts: facts(sets, running, schedules, chars), userId: "U0ALICE", access: open, archiveWebUrl: "https://a.example/archive/" });
      expect(estimatedFit(view)).toBe(true);
      expect(view.blocks.length).toBeLessThanOrEqual(HOME_LIMITS.blocks);
    }
  });

  it("shows less when the renderer says it does not fit", () => {
    let asked = 0;
    const view = buildHome({ facts: facts(50, 10, 50), userId: "U0ALICE", access: open }, (candidate) => {
      asked++;
      return candidate.blocks.length <= 30;
    });
    expect(asked).toBeGreaterThan(1);
    expect(view.blocks.length).toBeLessThanOrEqual(30);
    expect(JSON.stringify(view)).toContain("more not shown here");
  });

  it("gives Run and Cancel only to people allowed to use them; Open report to everyone", () => {
    const alice = buildHome({ facts: facts(3, 2, 0), userId: "U0ALICE", access: onlyBob, archiveWebUrl: "https://a.example/archive/" });
    expect(new Set(kinds(alice))).toEqual(new Set(["link"]));
    const bob = buildHome({ facts: facts(3, 2, 0), userId: "U0BOB", access: onlyBob, archiveWebUrl: "https://a.example/archive/" });
    expect(new Set(kinds(bob))).toEqual(new Set(["link", "rerun", "cancel"]));
  });

  it("lists the person's own last runs only", () => {
    const view = buildHome({ facts: facts(1, 0, 0), userId: "U0BOB", access: open });
    const own = view.blocks.slice(view.blocks.findIndex((b) => b.kind === "header" && b.text === "Your last runs"));
    expect(JSON.stringify(own)).toContain('"user":"U0BOB"');
    expect(JSON.stringify(own)).not.toContain('"user":"U0ALICE"');
  });
});
