import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { artifactChunks, artifactDigest, type ArtifactSource, MIN_ARTIFACT_BYTES } from "../../../functions/local/simulator/artifact-content.js";

const source = (size: number): ArtifactSource => ({
  runId: "6618791275130b73714e8d7f",
  lines: [
    { run: "6618791275130b73714e8d7f", kind: "turn", role: "user", text: "Hello" },
    { run: "6618791275130b73714e8d7f", kind: "score", passed: true },
  ],
  size,
});

describe("simulated artifact files", () => {
  it("have exactly the requested size, whatever the remainder", () => {
    for (const size of [MIN_ARTIFACT_BYTES, 255, 256, 257, 256 + 10, 256 * 3 + 11, 65_536, 65_536 * 2 + 100]) {
      const bytes = [...artifactChunks(source(size))].reduce((sum, chunk) => sum + chunk.length, 0);
      expect(bytes, `size ${size}`).toBe(size);
    }
  });

  it("are JSON lines, every one of them", () => {
    const text = Buffer.concat([...artifactChunks(source(256 * 5 + 3))]).toString("utf8");
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });

  it("are the same bytes every time, and the digest helper agrees", () => {
    const first = createHash("sha256").update(Buffer.concat([...artifactChunks(source(200_000))])).digest("hex");
    expect(artifactDigest(source(200_000))).toEqual({ size: 200_000, sha256: first, contentType: "application/x-ndjson" });
  });
});
