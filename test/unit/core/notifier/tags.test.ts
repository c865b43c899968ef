import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../../functions/core/log.js";
import { DIRECTORY_RETRY_MS, DIRECTORY_TTL_MS, directoryList, findInDirectory, type SlackDirectory } from "../../../../functions/core/notifier/directory.js";
import { ownersForChannel, ownersOf, parseOwner, runOwners, tagValues } from "../../../../functions/core/notifier/owners.js";
import { parseChannel, routesOf } from "../../../../functions/core/notifier/tag-routing.js";
import { buildRunCard, whyItFailed } from "../../../../functions/core/notifier/run-card.js";
import { renderRunCard, renderWhyItFailed } from "../../../../functions/slack/blocks.js";
import { MemoryStateStore } from "../../../support/memory-state-store.js";

/** A directory in memory: pure lookup logic under test, counting reads. */
function directory(): SlackDirectory & { reads: number } {
  return {
    reads: 0,
    async channels() {
      this.reads++;
      return [{ id: "C0PAYMENTS", name: "payments-alerts", isPrivate: false, isMember: false }];
    },
    async users() {
      this.reads++;
      return [
        { id: "U0DANA001", handles: ["dana"], label: "@Dana" },
        { id: "U0TWIN001", handles: ["twin"], label: "@twin" },
        { id: "U0TWIN002", handles: ["twin"], label: "@twin" },
      ];
    },
    async userGroups() {
      this.reads++;
      return [{ id: "S0QATEAM1", handle: "qa-team" }];
    },
    async join() {
      return "joined" as const;
    },
  };
}
const deps = (dir = directory()) => ({ directory: dir, state: new MemoryStateStore(), now: () => new Date("2026-12-01T10:00:00Z"), log: silentLogger });

describe("owner tag values", () => {
  it.each([
    ["<@U0AAAAAA1>", { kind: "user", id: "U0AAAAAA1" }],
    ["<@U0AAAAAA1|ann>", { kind: "user", id: "U0AAAAAA1" }],
    ["U0AAAAAA1", { kind: "user", id: "U0AAAAAA1" }],
    ["W0AAAAAA1", { kind: "user", id: "W0AAAAAA1" }],
    ["<!subteam^S0BBBBBB2|@devs>", { kind: "group", id: "S0BBBBBB2" }],
    ["S0BBBBBB2", { kind: "group", id: "S0BBBBBB2" }],
    ["@Dana", { kind: "handle", handle: "dana" }],
    ["<!channel>", { kind: "text", text: "<!channel>" }],
    ["<!here|here>", { kind: "text", text: "<!here|here>" }],
    ["<!everyone>", { kind: "text", text: "<!everyone>" }],
    ["@here", { kind: "text", text: "@here" }],
    ["@everyone", { kind: "text", text: "@everyone" }],
    ["u0aaaaaa1", { kind: "text", text: "u0aaaaaa1" }],
    ["<@U0AAAAAA1", { kind: "text", text: "<@U0AAAAAA1" }],
    ["<#C0PAYMENTS>", { kind: "text", text: "<#C0PAYMENTS>" }],
  ])("reads %s", (raw, ref) => {
    expect(parseOwner(raw)).toEqual(ref);
  });

  it("splits values on commas and spaces, keeps Slack markup whole, and reads every tag with the key", () => {
    const tags = [
      { key: "owner", value: "<@U0AAAAAA1|Ann Lee>, @dana" },
      { key: "Owner", value: "S0BBBBBB2" },
      { key: "owner", value: null },
      { key: "team", value: "@nobody" },
    ];
    expect(tagValues(tags, "owner")).toEqual(["<@U0AAAAAA1|Ann Lee>", "@dana", "S0BBBBBB2"]);
  });
});

describe("owners resolved", () => {
  it("resolves handles to one person or group, keeps the unknown and the ambiguous as text, and lists each once", async () => {
    const owners = await ownersOf([{ key: "owner", value: "@dana @qa-team @twin @nobody <!channel> U0DANA001 <@U0DANA001>" }], deps());
    expect(owners).toEqual([
      { mention: { kind: "user", markup: "<@U0DANA001>", label: "@Dana" } },
      { mention: { kind: "group", markup: "<!subteam^S0QATEAM1>", label: "@qa-team" } },
      { text: "@twin" },
      { text: "@nobody" },
      { text: "<!channel>" },
    ]);
  });

  it("reads no directory when every owner is an id, and names nobody for a run that passed", async () => {
    const dir = directory();
    expect(await ownersOf([{ key: "owner", value: "U0AAAAAA1 S0BBBBBB2" }], deps(dir))).toHaveLength(2);
    expect(dir.reads).toBe(0);
    expect(await runOwners(false, [{ key: "owner", value: "U0AAAAAA1" }], [{ unitTestId: "t1", tags: [{ key: "owner", value: "U0AAAAAA1" }] }], deps(dir))).toEqual({ set: [], unitTests: {} });
  });

  it("without Slack's directory, a handle stays text", async () => {
    expect(await ownersOf([{ key: "owner", value: "@dana" }], undefined)).toEqual([{ text: "@dana" }]);
  });
});

describe("channel tag values", () => {
  it("reads ids, <#id|name> and #names; anything else is refused with a reason", async () => {
    expect(parseChannel("C0PAYMENTS")).toEqual({ id: "C0PAYMENTS" });
    expect(parseChannel("<#C0PAYMENTS|payments>")).toEqual({ id: "C0PAYMENTS" });
    expect(parseChannel("#Payments-Alerts")).toEqual({ name: "payments-alerts" });
    expect(parseChannel("payments")).toEqual({ malformed: "payments" });
    const routes = await routesOf({ ...deps(), directory: deps() }, [{ key: "slack-channel", value: "#payments-alerts #nowhere payments C0OTHER01" }]);
    expect(routes).toEqual([
      { channelId: "C0PAYMENTS", tag: "slack-channel=#payments-alerts" },
      { refused: expect.stringContaining("no such channel"), tag: "slack-channel=#nowhere" },
      { refused: "not a channel id or #name", tag: "slack-channel=payments" },
      { channelId: "C0OTHER01", tag: "slack-channel=C0OTHER01" },
    ]);
    const allowed = await routesOf({ ...deps(), directory: deps(), allowedChannels: ["C0OTHER01"] }, [{ key: "slack-channel", value: "#payments-alerts" }]);
    expect(allowed).toEqual([{ refused: "outside SLACK_ALLOWED_CHANNELS", tag: "slack-channel=#payments-alerts", channelId: "C0PAYMENTS" }]);
  });
});

describe("owners in the messages", () => {
  const failing = { unitTestId: "t1", name: "Refunds twice", failingMetrics: [], runErrors: [], tags: [{ key: "owner", value: "@dana" }] };
  const facts = {
    runId: "6b15ae754226fdec9400003a",
    setId: "695b7d904226fdec9400001f",
    verdict: "failed" as const,
    summary: { runId: "6b15ae754226fdec9400003a", setId: "695b7d904226fdec9400001f", setName: "Billing", verdict: "failed" as const, createdAt: "2026-12-01T09:00:00Z", creator: { org_id: "o", user_id: "u" }, runErrors: [], failingUnitTests: [failing], notes: [] },
  };
  const owners = { set: [{ mention: { kind: "group" as const, markup: "<!subteam^S0QATEAM1>", label: "@qa-team" } }, { text: "<!channel> & co" }], unitTests: { t1: [{ mention: { kind: "user" as const, markup: "<@U0DANA001>", label: "@Dana" } }] } };

  it("puts the set's owners on the card's failure line, text escaped, and the unit test's next to it in Why it failed", () => {
    const card = renderRunCard(buildRunCard(facts, { owners }));
    const blocks = JSON.stringify(card.blocks);
    expect(blocks).toContain("<!subteam^S0QATEAM1> &lt;!channel&gt; &amp; co the run of *Billing* failed.");
    expect(blocks).not.toContain("<!channel>");
    const why = whyItFailed(facts, { owners });
    expect(why?.owners).toEqual({ t1: owners.unitTests.t1 });
    expect(JSON.stringify(renderWhyItFailed(why!).blocks)).toContain("*Refunds twice* · owner: <@U0DANA001>");
  });

  it("shows no owner on a card of a run that passed, and a mention-shaped label never becomes markup", () => {
    const passed = { ...facts, verdict: "passed" as const, summary: { ...facts.summary, verdict: "passed" as const, failingUnitTests: [] } };
    expect(buildRunCard(passed, { owners }).owners).toBeUndefined();
    const forged = { set: [{ mention: { kind: "user" as const, markup: "<!channel>", label: "@Dana" } }], unitTests: {} };
    expect(JSON.stringify(renderRunCard(buildRunCard(facts, { owners: forged })).blocks)).not.toContain("<!channel>");
  });
});

describe("the directory kept in state", () => {
  it("reads a list once an hour, again early only for a name it lacks, and leaves a refused list alone for five minutes", async () => {
    let now = Date.parse("2026-12-01T10:00:00Z");
    let refuse = true;
    let reads = 0;
    const dir: SlackDirectory = {
      ...directory(),
      async users() {
        reads++;
        if (refuse) throw new Error("missing_scope");
        return [{ id: "U0DANA001", handles: ["dana"], label: "@dana" }];
      },
    };
    const lookups = { directory: dir, state: new MemoryStateStore(), now: () => new Date(now), log: silentLogger };
    expect(await directoryList(lookups, "users")).toBeUndefined();
    expect(await directoryList(lookups, "users", { missing: true })).toBeUndefined();
    expect(reads).toBe(1);
    now += DIRECTORY_RETRY_MS + 1;
    refuse = false;
    expect(await directoryList(lookups, "users")).toHaveLength(1);
    expect(reads).toBe(2);
    expect(await findInDirectory(lookups, "users", (items) => items.filter((user) => user.handles.includes("dana")))).toHaveLength(1);
    expect(reads).toBe(2);
    now += DIRECTORY_RETRY_MS + 1;
    expect(await findInDirectory(lookups, "users", (items) => items.filter((user) => user.handles.includes("nobody")))).toHaveLength(0);
    expect(reads).toBe(3);
    now += DIRECTORY_TTL_MS + 1;
    await directoryList(lookups, "users");
    expect(reads).toBe(4);
  });
});

describe("owners in one channel", () => {
  const dana = { mention: { kind: "user" as const, markup: "<@U0DANA001>", label: "@dana" } };
  const qa = { mention: { kind: "group" as const, markup: "<!subteam^S0QATEAM1>", label: "@qa-team" } };
  const sam = { mention: { kind: "user" as const, markup: "<@U0SAMSAM1>", label: "@sam" } };

  it("mentions each person once: not again on the failure line after the subscription's mention, named not mentioned next to a unit test", () => {
    const shown = ownersForChannel({ set: [dana, qa], unitTests: { t1: [dana, sam], t2: [qa] } }, qa.mention);
    expect(shown).toEqual({ set: [dana], unitTests: { t1: [{ text: "@dana" }, sam], t2: [{ text: "@qa-team" }] } });
    expect(ownersForChannel({ set: [dana], unitTests: { t1: [sam] } }, undefined)).toEqual({ set: [dana], unitTests: { t1: [sam] } });
  });
});
