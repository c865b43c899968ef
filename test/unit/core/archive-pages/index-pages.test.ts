import { describe, expect, it } from "vitest";
import { renderArchiveIndex, renderSetPage } from "../../../../functions/core/archive-pages/index-pages.js";
import type { SetListing } from "../../../../functions/core/archive-pages/pages-model.js";
import { auditPage, unsafeParts } from "../../../support/html-audit.js";
import { HOSTILE, trendEntries } from "../../../support/report-fixtures.js";

const AT = "2026-04-01T12:06:00.000Z";
const SET = "65e000000000000000000001";

describe("a set's page", () => {
  const runs = trendEntries(200).reverse();
  const source = renderSetPage({ setId: SET, setName: `Checkout ${HOSTILE}`, runs, trend: trendEntries(30), pageNumber: 1, olderPages: 3 }, AT);
  const page = auditPage(source);

  it("lists its runs newest first, each linking its report", () => {
    const reports = page.links.filter((link) => link.endsWith("/report.html"));
    expect(reports).toHaveLength(200);
    expect(reports[0]).toBe(`${runs[0]?.runId}/report.html`);
  });

  it("links the archive's index and its older pages, and is safe", () => {
    expect(unsafeParts(source)).toEqual([]);
    expect(page.links).toEqual(expect.arrayContaining(["../index.html", "index-4.html", "index-3.html", "index-2.html"]));
    expect(page.links).not.toContain("index.html");
    expect(page.text).toContain(`Checkout ${HOSTILE}`);
  });

  it("on an older page links the newest runs and the other older pages", () => {
    const older = auditPage(renderSetPage({ setId: SET, setName: "Checkout", runs: runs.slice(0, 5), trend: [], pageNumber: 2, olderPages: 2 }, AT));
    expect(older.links).toEqual(expect.arrayContaining(["index.html", "index-3.html"]));
    expect(older.links).not.toContain("index-2.html");
    expect(older.text).toContain("Runs 1 to 200, in the order archived, newest first");
    expect(older.text).toContain("Runs 201 to 400, in the order archived");
  });
});

describe("the archive's index", () => {
  const listing = (setId: string, setName: string): SetListing => {
    const trend = trendEntries(10);
    return { setId, setName, latest: trend.at(-1) as SetListing["latest"], trend, runs: 10 };
  };

  it("lists every set by name with its latest verdict and trend, linking its page", () => {
    const source = renderArchiveIndex([listing("65e000000000000000000002", `Zeta ${HOSTILE}`), listing(SET, "alpha")], AT);
    const page = auditPage(source);
    expect(unsafeParts(source)).toEqual([]);
    expect(page.links).toEqual([`${SET}/index.html`, "65e000000000000000000002/index.html"]);
    expect(page.text).toContain(`Zeta ${HOSTILE}`);
    expect(page.byTag("svg")).toHaveLength(2);
    expect(page.text).toMatch(/failed|passed/);
  });

  it("says when nothing is archived yet", () => {
    expect(auditPage(renderArchiveIndex([], AT)).text).toContain("Nothing archived yet.");
  });
});
