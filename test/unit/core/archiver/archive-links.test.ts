import { describe, expect, it } from "vitest";
import { archiveIndexUrl, runReportUrl, setPageUrl } from "../../../../functions/core/archiver/archive-links.js";

describe("archive browser links", () => {
  it("join the base, set and run with one slash each, with or without a trailing slash on the base", () => {
    for (const base of ["https://archive.example/archive", "https://archive.example/archive/"]) {
      expect(archiveIndexUrl(base)).toBe("https://archive.example/archive/");
      expect(setPageUrl(base, "695b7d90aa")).toBe("https://archive.example/archive/695b7d90aa/");
      expect(runReportUrl(base, "695b7d90aa", "6b10687abb")).toBe("https://archive.example/archive/695b7d90aa/6b10687abb/");
    }
  });

  it("cannot be steered out of the archive by an id holding a slash or dots", () => {
    expect(runReportUrl("https://a.example/", "../x", "y/z")).toBe("https://a.example/..%2Fx/y%2Fz/");
  });
});
