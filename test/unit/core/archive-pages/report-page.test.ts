import { describe, expect, it } from "vitest";
import { escapeHtml, html } from "../../../../functions/core/archive-pages/html.js";
import { renderReport, sizeText } from "../../../../functions/core/archive-pages/report-page.js";
import { auditPage, unsafeParts } from "../../../support/html-audit.js";
import { HOSTILE, reportInput } from "../../../support/report-fixtures.js";

const AT = "2026-04-01T12:06:00.000Z";

describe("escaping", () => {
  it("escapes every character that could open markup or close an attribute", () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  });

  it("escapes interpolated values and arrays of them, keeping fragments it made itself", () => {
    const inner = html`<em>${"<i>"}</em>`;
    expect(html`<p>${["<b>", inner, 3, undefined, false]}</p>`.text).toBe("<p>&lt;b&gt;<em>&lt;i&gt;</em>3</p>");
  });
});

describe("the page audit", () => {
  it("finds a value that reached the page unescaped", () => {
    const leaked = renderReport(reportInput({ failing: 1, passing: 0, justificationChars: 200 }), AT).replace("<footer>", `<footer>${HOSTILE}`);
    expect(unsafeParts(leaked)).toEqual(expect.arrayContaining(["element <b>", "attribute data-injected on <b>", "element <script>", "attribute onerror on <img>"]));
  });
});

describe("a run's report", () => {
  const input = reportInput();
  const source = renderReport(input, AT);
  const page = auditPage(source);

  it("is one self-contained page: no script, no handler, no value read as markup, a CSP naming its style sheet", () => {
    expect(unsafeParts(source)).toEqual([]);
    const csp = page.elements.find((element) => page.attr(element, "http-equiv") === "Content-Security-Policy");
    expect(csp && page.attr(csp, "content")).toMatch(/^default-src 'none'; style-src 'sha256-[^']+'; img-src data:/);
    expect(page.byTag("script")).toHaveLength(0);
  });

  it("shows every name with markup and quotes as text", () => {
    expect(page.text).toContain(`Checkout ${HOSTILE}`);
    expect(page.text).toContain(`Refund 59 ${HOSTILE}`);
    expect(page.text).toContain(`svc ${HOSTILE}`);
    expect(page.text).toContain(`Timed out ${HOSTILE}`);
    expect(page.text).toContain(`Fixed ${HOSTILE}`);
    expect(page.text).toContain(`Note ${HOSTILE}`);
  });

  it("lists the 60 failing unit tests with every judge's justification in full", () => {
    const titles = page.byTag("h3").map((element) => page.textOf(element));
    expect(titles.filter((title) => title.startsWith("Refund "))).toHaveLength(60);
    for (const test of input.summary.failingUnitTests) {
      for (const metric of test.failingMetrics) {
        for (const reason of metric.reasons ?? []) {
          expect(reason.justification.length).toBe(10_000);
          expect(page.text).toContain(reason.justification);
        }
      }
    }
    expect(page.text).toContain("repetition 3 of 5: the judge scored 2, needs >= 4.");
  });

  it("has a grid of unit tests x repetitions with each metric's outcome in words", () => {
    const bodies = page.byTag("tbody").filter((body) => page.textOf(body).includes("Metric 0"));
    expect(bodies).toHaveLength(65);
    const cells = page.byTag("td").map((cell) => page.textOf(cell).replace(/\s+/g, " ").trim());
    expect(cells.filter((cell) => cell.endsWith("fail"))).toHaveLength(60 * 6);
    expect(cells.filter((cell) => cell.endsWith("pass"))).toHaveLength(65 * 4 * 5 - 60 * 6);
    const headers = page.byTag("th").filter((th) => page.attr(th, "scope") === "col").map((th) => page.textOf(th));
    expect(headers).toEqual(["Unit test", "Metric", "Repetition 1", "Repetition 2", "Repetition 3", "Repetition 4", "Repetition 5"]);
  });

  it("names every unit test in the grid, the passing ones too", () => {
    const rowNames = page.byTag("th").filter((th) => page.attr(th, "scope") === "rowgroup").map((th) => page.textOf(th));
    expect(rowNames).toHaveLength(65);
    expect(rowNames.filter((name) => name.startsWith("Greeting "))).toHaveLength(5);
    expect(rowNames.some((name) => name.startsWith("Unit test "))).toBe(false);
  });

  it("charts the pass-rate trend of the last 30 runs as an inline SVG with its numbers in words", () => {
    expect(page.byTag("rect")).toHaveLength(30);
    expect(page.text).toMatch(/Unit tests passed over the last 30 runs: \d+% in the oldest/);
  });

  it("links its artifact, its set's page and the archive's index relatively, with size and sha256", () => {
    expect(page.links).toEqual(expect.arrayContaining(["artifacts.zip", "../index.html", "../../index.html", "run.json", "summary.md"]));
    expect(page.text).toContain("120.6 KiB (123,456 bytes)");
    expect(page.text).toContain("ab".repeat(32));
  });

  it("has landmarks and says verdicts in words", () => {
    expect(page.byTag("main")).toHaveLength(1);
    expect(page.byTag("nav").length).toBeGreaterThan(0);
    expect(page.byTag("h1").map((h1) => page.textOf(h1).replace(/\s+/g, " "))).toEqual([`Checkout ${HOSTILE}: ✘ failed`]);
  });

  it("says when the judge's reasons or the per-repetition results were not available", () => {
    const bare = reportInput({ failing: 1, passing: 0 });
    const thin = { ...bare, run: { ...bare.run, unit_test_run_results: [null] }, summary: { ...bare.summary, failingUnitTests: bare.summary.failingUnitTests.map((test) => ({ ...test, failingMetrics: test.failingMetrics.map(({ reasons: _, ...metric }) => metric) })) } };
    const text = auditPage(renderReport(thin, AT)).text;
    expect(text).toContain("Amigo gave no per-repetition results for this run.");
    expect(text).toContain("The judge's reasons were not available.");
  });
});

describe("sizes", () => {
  it("reads bytes as a person does", () => {
    expect(sizeText(512)).toBe("512 bytes");
    expect(sizeText(5 * 1024 * 1024)).toBe("5.0 MiB (5,242,880 bytes)");
  });
});
