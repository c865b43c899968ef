/**
 * The artifacts file of a simulated run: JSON lines of conversation turns and metric
 * scores, of any size (up to and beyond 1 GiB), generated chunk by chunk so it never
 * sits in memory, and deterministic so a test can know its sha256 in advance.
 *
 * Every line is LINE_BYTES long: one of a few per-run templates with a 10-digit
 * sequence number stamped in. Chunks are 1 MiB: the server's cost is per chunk more than per
 * byte, and on one machine its CPU is the archiver's.
 * The file ends with one `{"pad":"   "}` line that makes the size exact.
 */
import { createHash } from "node:crypto";
import type { RunPlan } from "./run-plan.js";

export const ARTIFACT_CONTENT_TYPE = "application/x-ndjson";
export const ARTIFACT_FILE_NAME = "artifacts.jsonl";

const LINE_BYTES = 256;
const LINES_PER_CHUNK = 4096;
const SEQ_OFFSET = '{"seq":"'.length;
const SEQ_DIGITS = 10;
const PAD_OVERHEAD = '{"pad":""}\n'.length;
/** The smallest file the generator can make exactly (one pad line). */
export const MIN_ARTIFACT_BYTES = PAD_OVERHEAD;

export interface ArtifactSource {
  runId: string;
  /** Facts about the run the lines describe. */
  lines: readonly Record<string, string | number | boolean>[];
  size: number;
}

export function artifactSource(plan: RunPlan): ArtifactSource {
  const lines: Record<string, string | number | boolean>[] = [];
  for (const unitTest of plan.unitTests) {
    for (let runIndex = 0; runIndex < unitTest.spec.run_count; runIndex++) {
      const base = { run: plan.id, unit_test: unitTest.spec.unit_test_id, run_index: runIndex };
      lines.push({ ...base, kind: "turn", role: "user", text: "Hi, I have a question about my order." });
      lines.push({ ...base, kind: "turn", role: "agent", text: "Happy to help. Could you tell me the order number?" });
      const error = unitTest.runErrors[runIndex];
      if (error !== null && error !== undefined) lines.push({ ...base, kind: "error", message: error.slice(0, 80) });
      // Results skip errored runs, so this run's entry is at its index among the good ones.
      const resultIndex = unitTest.runErrors.slice(0, runIndex).filter((entry) => entry === null).length;
      for (const evaluation of unitTest.evaluations) {
        if (error !== null && error !== undefined) continue;
        const passed = evaluation.results[resultIndex]?.[1] ?? false;
        lines.push({ ...base, kind: "score", metric: evaluation.metricId, passed });
      }
    }
  }
  if (lines.length === 0) lines.push({ run: plan.id, kind: "empty" });
  return { runId: plan.id, lines, size: Math.max(MIN_ARTIFACT_BYTES, Math.floor(plan.artifactBytes)) };
}

/** Each template as exactly LINE_BYTES bytes, sequence digits zeroed. */
function templates(source: ArtifactSource): Buffer[] {
  const seq = "0".repeat(SEQ_DIGITS);
  return source.lines.map((fields) => {
    let prefix = `${JSON.stringify({ seq, ...fields }).slice(0, -1)},"pad":"`;
    const suffix = '"}\n';
    if (Buffer.byteLength(prefix) + suffix.length > LINE_BYTES) {
      prefix = `${JSON.stringify({ seq, run: source.runId, kind: "truncated" }).slice(0, -1)},"pad":"`;
    }
    const buffer = Buffer.from(prefix + " ".repeat(LINE_BYTES - Buffer.byteLength(prefix) - suffix.length) + suffix, "utf8");
    if (buffer.length !== LINE_BYTES) throw new Error(`artifact template is ${buffer.length} bytes, expected ${LINE_BYTES}`);
    return buffer;
  });
}

/** Full lines, then the final pad line's length (never shorter than a pad line can be). */
function layout(size: number): { fullLines: number; tailBytes: number } {
  let fullLines = Math.floor(size / LINE_BYTES);
  let tailBytes = size % LINE_BYTES;
  if (tailBytes > 0 && tailBytes < PAD_OVERHEAD && fullLines > 0) {
    fullLines -= 1;
    tailBytes += LINE_BYTES;
  }
  return { fullLines, tailBytes };
}

/** The file from byte `from` on, 1 MiB at a time (the first chunk cut to start there). */
export function* artifactChunks(source: ArtifactSource, from = 0): Generator<Buffer, void, undefined> {
  const firstLine = Math.floor(from / (LINES_PER_CHUNK * LINE_BYTES)) * LINES_PER_CHUNK;
  let skip = from - firstLine * LINE_BYTES;
  for (const chunk of wholeChunks(source, firstLine)) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    yield skip > 0 ? chunk.subarray(skip) : chunk;
    skip = 0;
  }
}

/** The file from line `firstLine` (a chunk boundary) on. */
function* wholeChunks(source: ArtifactSource, firstLine: number): Generator<Buffer, void, undefined> {
  const lines = templates(source);
  const { fullLines, tailBytes } = layout(source.size);
  for (let first = firstLine; first < fullLines; first += LINES_PER_CHUNK) {
    const count = Math.min(LINES_PER_CHUNK, fullLines - first);
    const chunk = Buffer.allocUnsafe(count * LINE_BYTES);
    for (let offset = 0; offset < count; offset++) {
      const seq = first + offset;
      const at = offset * LINE_BYTES;
      (lines[seq % lines.length] as Buffer).copy(chunk, at);
      chunk.write(String(seq).padStart(SEQ_DIGITS, "0"), at + SEQ_OFFSET, "latin1");
    }
    yield chunk;
  }
  if (tailBytes > 0) yield Buffer.from(`{"pad":"${" ".repeat(tailBytes - PAD_OVERHEAD)}"}\n`, "latin1");
}

export interface ArtifactDigest {
  size: number;
  sha256: string;
  contentType: string;
}

/** What a correct download of this artifact hashes to (streams through the generator). */
export function artifactDigest(source: ArtifactSource): ArtifactDigest {
  const hash = createHash("sha256");
  let size = 0;
  for (const chunk of artifactChunks(source)) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest("hex"), contentType: ARTIFACT_CONTENT_TYPE };
}
