import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ESM_REQUIRE_BANNER } from "../../infra/constructs/simwatch-function.js";
import { HANDLER_NAMES, handlerEntry } from "../../infra/paths.js";
import { synth } from "./synth.js";

const outdir = mkdtempSync(path.join(tmpdir(), "simwatch-cdk-"));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe("bundling (local esbuild, no Docker)", () => {
  // Five esbuild bundles and the nag packs take over a minute on a busy machine: a hang is what the timeout is for.
  it("bundles every handler into one minified ESM file with a source map and the createRequire banner", { timeout: 180_000 }, () => {
    // A missing entry point fails here by name (the synth below would fail on it too, less clearly).
    expect(HANDLER_NAMES.filter((name) => !existsSync(handlerEntry(name)))).toEqual([]);
    const { stack } = synth({}, { bundle: true, outdir });

    const assets = readdirSync(outdir).filter((name) => name.startsWith("asset."));
    expect(assets).toHaveLength(HANDLER_NAMES.length);
    for (const asset of assets) {
      const dir = path.join(outdir, asset);
      expect(readdirSync(dir).sort()).toEqual(["index.mjs", "index.mjs.map"]);
      const code = readFileSync(path.join(dir, "index.mjs"), "utf8");
      expect(code.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
      expect(code).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
      expect(code).toContain("//# sourceMappingURL=index.mjs.map");
      const map = JSON.parse(readFileSync(path.join(dir, "index.mjs.map"), "utf8")) as { sourcesContent?: unknown };
      expect(map.sourcesContent).toBeUndefined(); // sources stay out of the upload
    }
    expect(stack.functions.poller.function.runtime.name).toBe("nodejs22.x");
  });
});
