import { describe, expect, it } from "vitest";
import { routeArchivePath } from "../../../../functions/core/archive-browser/archive-routes.js";
import { SECURITY_HEADERS, servingOf } from "../../../../functions/core/archive-browser/archive-serving.js";

const SET = "695b7d90a1b2c3d4e5f60718";
const RUN = "6b10687a0000000000000001";

describe("routeArchivePath", () => {
  it("maps the archive's routes to its layout under the prefix", () => {
    expect(routeArchivePath("", "runs/")).toEqual({ kind: "object", key: "runs/index.html", name: "index.html" });
    expect(routeArchivePath(`${SET}/`, "runs/")).toEqual({ kind: "object", key: `runs/${SET}/index.html`, name: "index.html" });
    expect(routeArchivePath(`${SET}/${RUN}/`, "runs/")).toEqual({ kind: "object", key: `runs/${SET}/${RUN}/report.html`, name: "report.html" });
    expect(routeArchivePath(`${SET}/${RUN}/summary.md`, "runs/")).toEqual({ kind: "object", key: `runs/${SET}/${RUN}/summary.md`, name: "summary.md" });
    expect(routeArchivePath(`${SET}/${RUN}/artifacts.tar.gz`, "")).toEqual({ kind: "object", key: `${SET}/${RUN}/artifacts.tar.gz`, name: "artifacts.tar.gz" });
    expect(routeArchivePath(`${SET}/index-2.html`, "runs/")).toEqual({ kind: "object", key: `runs/${SET}/index-2.html`, name: "index-2.html" });
    expect(routeArchivePath("index.html", "runs/")).toEqual({ kind: "object", key: "runs/index.html", name: "index.html" });
  });

  it("sends a folder named without its slash to the folder, so its page's relative links resolve", () => {
    expect(routeArchivePath(SET, "runs/")).toEqual({ kind: "redirect", to: `${SET}/` });
    expect(routeArchivePath(`${SET}/${RUN}`, "runs/")).toEqual({ kind: "redirect", to: `${RUN}/` });
  });

  it.each([
    ["_simwatch/poller/watchlist.json"],
    ["_simwatch/"],
    ["_simwatch"],
    [`${SET}/_simwatch/x.json`],
    ["../_simwatch/poller/watchlist.json"],
    [`${SET}/../../_simwatch/poller/watchlist.json`],
    [`${SET}/./index.html`],
    [`${SET}//index.html`],
    ["..%2F_simwatch%2Fpoller%2Fwatchlist.json"],
    ["%2e%2e/_simwatch/poller/watchlist.json"],
    ["%2E%2E/secret.txt"],
    ["..%5C_simwatch%5Cwatchlist.json"],
    ["..\\_simwatch\\watchlist.json"],
    ["%252e%252e%252f_simwatch"],
    [`${SET}%2F${RUN}%2Frun.json`],
    ["index.html%00.txt"],
    ["%E0%A4%A"],
    [`${SET}/${RUN}/artifacts.zip.123-abcdefabcdef.simwatch-tmp`],
    [`${SET}/${RUN}/run.json.simwatch-lock`],
    [`${SET}/${RUN}/extra/`],
    [`${SET}/${RUN}/extra/file.txt`],
    [".env"],
    [`${SET}/.hidden`],
    [`${SET}/${RUN}/no-extension`],
    ["a b/"],
    [`${"a".repeat(600)}/`],
  ])("refuses %s", (path) => {
    expect(routeArchivePath(path, "runs/").kind).toBe("refused");
  });

  it("never names a key outside the prefix, whatever the path", () => {
    const attempts = ["..", "../", "../../etc/passwd", "%2e%2e%2f", "/etc/passwd", "//etc/passwd", `${SET}/..`, `${SET}/../`];
    for (const path of attempts) {
      const route = routeArchivePath(path, "runs/");
      if (route.kind === "object") expect(route.key.startsWith("runs/") && !route.key.includes("..")).toBe(true);
      else expect(route.kind).toBe("refused");
    }
  });
});

describe("servingOf", () => {
  it("serves pages as HTML, summary.md and run.json as text, the artifact as a download", () => {
    expect(servingOf("report.html")).toEqual({ as: "page", contentType: "text/html; charset=utf-8" });
    expect(servingOf("index.html").as).toBe("page");
    expect(servingOf("summary.md")).toEqual({ as: "text", contentType: "text/plain; charset=utf-8" });
    expect(servingOf("run.json").as).toBe("text");
    expect(servingOf("artifacts.jsonl")).toEqual({ as: "download", contentType: "application/octet-stream", disposition: 'attachment; filename="artifacts.jsonl"' });
  });

  it("downloads an artifact that is itself HTML or JSON rather than showing it", () => {
    expect(servingOf("artifacts.html").as).toBe("download");
    expect(servingOf("artifacts.json").as).toBe("download");
    expect(servingOf("artifacts.bin").as).toBe("download");
  });

  it("allows no script and no fetch from anywhere, and no sniffing", () => {
    const csp = SECURITY_HEADERS["Content-Security-Policy"]!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/script-src/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(SECURITY_HEADERS["X-Content-Type-Options"]).toBe("nosniff");
    expect(SECURITY_HEADERS["Referrer-Policy"]).toBe("no-referrer");
  });
});
