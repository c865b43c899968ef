import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { AbortMultipartUploadCommand, GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { ArchiveFailed } from "../../functions/core/archiver/archive-run.js";
import { type ArtifactCopy, MAX_FETCH_TRIES } from "../../functions/core/archiver/artifact-copy.js";
import { stateKeys } from "../../functions/core/idempotency/state-keys.js";
import type { EventOf } from "../../functions/core/events.js";
import { type Pipeline, startPipeline } from "../support/pipeline.js";

const MIB = 1024 * 1024;
let pipeline: Pipeline;
afterEach(async () => {
  await pipeline?.close();
});

/** Starts a finished run with generated artifacts of `bytes` and lets the poller see it. */
async function finishedRun(p: Pipeline, bytes: number, set = "Billing disputes") {
  await p.poll();
  const runId = p.sim.control.createRun({ set, outcome: { durationMs: 1_000, artifactsDelayMs: 0, artifactBytes: bytes } });
  await p.poll();
  p.sim.control.advance(2_000);
  await p.poll();
  const ready = p.ofType("Artifacts Ready") as EventOf<"Artifacts Ready">[];
  const detail = ready.find((event) => event.detail.runId === runId)?.detail;
  if (!detail) throw new Error("the poller did not report the artifacts as ready");
  return detail;
}

async function s3Sha256(p: Pipeline, key: string): Promise<{ sha256: string; size: number }> {
  const response = await p.s3!.send(new GetObjectCommand({ Bucket: p.bucket, Key: key }));
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of response.Body as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { sha256: hash.digest("hex"), size };
}

async function keysUnder(p: Pipeline, prefix: string): Promise<string[]> {
  const listed = await p.s3!.send(new ListObjectsV2Command({ Bucket: p.bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((object) => object.Key ?? "").sort();
}

describe("the archiver", () => {
  it("archives a 50 MB artifact byte for byte, with run.json and summary.md beside it", async () => {
    pipeline = await startPipeline({ label: "archive-50mb" });
    const target = await finishedRun(pipeline, 50 * 1024 * 1024);
    const outcome = await pipeline.archiveRun(target);
    expect(outcome.status).toBe("archived");
    const expected = pipeline.sim.control.expectedArtifact(target.runId);
    const folder = `runs/${target.setId}/${target.runId}/`;
    expect(await keysUnder(pipeline, folder)).toEqual([`${folder}artifacts.jsonl`, `${folder}report.html`, `${folder}run.json`, `${folder}summary.md`]);
    expect(await s3Sha256(pipeline, `${folder}artifacts.jsonl`)).toEqual({ sha256: expected.sha256, size: expected.size });

    const archived = pipeline.ofType("Run Archived") as EventOf<"Run Archived">[];
    expect(archived.map((event) => event.detail)).toEqual([
      {
        runId: target.runId,
        setId: target.setId,
        location: `s3://${pipeline.bucket}/${folder}artifacts.jsonl`,
        key: `${folder}artifacts.jsonl`,
        size: expected.size,
        sha256: expected.sha256,
        contentType: expected.contentType,
      },
    ]);
    const runJson = JSON.parse(
      await (await pipeline.s3!.send(new GetObjectCommand({ Bucket: pipeline.bucket, Key: `${folder}run.json` }))).Body!.transformToString(),
    );
    expect(runJson.id).toBe(target.runId);
    expect(runJson.simwatch).toMatchObject({ verdict: "failed", artifacts: { sha256: expected.sha256, size: expected.size } });
    const summary = await (await pipeline.s3!.send(new GetObjectCommand({ Bucket: pipeline.bucket, Key: `${folder}summary.md` }))).Body!.transformToString();
    expect(summary).toContain("# Billing disputes: failed");
    expect(summary).toContain(expected.sha256);
  });

  it("archives a run whose first link had already expired when Amigo handed it out", async () => {
    pipeline = await startPipeline({ label: "expired-first" });
    const target = await finishedRun(pipeline, 256 * 1024);
    pipeline.sim.control.setArtifactUrlLifetime(0);
    const amigo = pipeline.amigo;
    let links = 0;
    const outcome = await pipeline.archiveRun(target, {
      amigo: {
        ...amigo,
        getRuns: (ids) => amigo.getRuns(ids),
        listSets: (ids) => amigo.listSets(ids),
        listUnitTests: (ids) => amigo.listUnitTests(ids),
        async getArtifactsLink(runId) {
          const link = await amigo.getArtifactsLink(runId);
          if (++links === 1) pipeline.sim.control.setArtifactUrlLifetime(10 * 60_000);
          return link;
        },
      },
    });
    expect(outcome).toMatchObject({ status: "archived", attempts: 2 });
    expect(links).toBe(2);
    // The stale link was tried once and refused (403), then the fresh one downloaded.
    expect(pipeline.sim.control.requests("download").map((request) => request.status)).toEqual([403, 200]);
  });

  it("continues from the last stored part with a fresh link when the link expires mid-download (#21)", async () => {
    pipeline = await startPipeline({ label: "expired-mid" });
    const target = await finishedRun(pipeline, 12 * MIB);
    pipeline.sim.control.faults.breakDownloads({ dropAfterBytes: 6 * MIB, count: 1, expireLink: true });
    const outcome = await pipeline.archiveRun(target);
    expect(outcome).toMatchObject({ status: "archived", attempts: 2 });
    const expected = pipeline.sim.control.expectedArtifact(target.runId);
    expect(await s3Sha256(pipeline, `runs/${target.setId}/${target.runId}/artifacts.jsonl`)).toEqual({ sha256: expected.sha256, size: expected.size });
    // The second request asked for the bytes after the first 5 MiB part, stored before the drop.
    const downloads = pipeline.sim.control.requests("download");
    expect(downloads.map((d) => [d.status, d.range])).toEqual([[200, undefined], [206, `bytes=${5 * MIB}-`]]);
    expect(pipeline.sim.control.downloadedBytes()).toBe(6 * MIB + 7 * MIB);
    const pending = await pipeline.s3!.send(new ListMultipartUploadsCommand({ Bucket: pipeline.bucket }));
    expect(pending.Uploads ?? []).toEqual([]);
  });

  it("leaves no object and no pending upload when every attempt fails before its first part, and succeeds on redelivery", async () => {
    pipeline = await startPipeline({ label: "fails-halfway" });
    const target = await finishedRun(pipeline, 12 * MIB);
    pipeline.sim.control.faults.breakDownloads({ dropAfterBytes: 3 * MIB, count: 3 });
    await expect(pipeline.archiveRun(target, { maxAttempts: 3 })).rejects.toThrow(ArchiveFailed);
    expect(await keysUnder(pipeline, `runs/${target.setId}/`)).toEqual([]);
    const pending = await pipeline.s3!.send(new ListMultipartUploadsCommand({ Bucket: pipeline.bucket }));
    expect(pending.Uploads ?? []).toEqual([]);
    expect(pipeline.ofType("Run Archived")).toEqual([]);

    expect((await pipeline.archiveRun(target)).status).toBe("archived");
    expect(pipeline.ofType("Run Archived")).toHaveLength(1);
  });

  it("a redelivery continues from the parts a failed delivery stored, with HTTP Range (#21)", async () => {
    pipeline = await startPipeline({ label: "resume-redelivery" });
    const target = await finishedRun(pipeline, 12 * MIB);
    pipeline.sim.control.faults.breakDownloads({ dropAfterBytes: 6 * MIB, count: 1 });
    await expect(pipeline.archiveRun(target, { maxAttempts: 1 })).rejects.toThrow(ArchiveFailed);
    expect(await keysUnder(pipeline, `runs/${target.setId}/`)).toEqual([]);
    const pending = await pipeline.s3!.send(new ListMultipartUploadsCommand({ Bucket: pipeline.bucket }));
    expect(pending.Uploads ?? []).toHaveLength(1);

    expect((await pipeline.archiveRun(target)).status).toBe("archived");
    const expected = pipeline.sim.control.expectedArtifact(target.runId);
    expect(await s3Sha256(pipeline, `runs/${target.setId}/${target.runId}/artifacts.jsonl`)).toEqual({ sha256: expected.sha256, size: expected.size });
    expect(pipeline.sim.control.requests("download").map((d) => d.range)).toEqual([undefined, `bytes=${5 * MIB}-`]);
    const after = await pipeline.s3!.send(new ListMultipartUploadsCommand({ Bucket: pipeline.bucket }));
    expect(after.Uploads ?? []).toEqual([]);
  });

  it("stops at a part boundary when its deadline comes, its progress saved, and the next delivery continues (#21)", async () => {
    pipeline = await startPipeline({ label: "deadline" });
    const target = await finishedRun(pipeline, 40 * MIB);
    // Time enough to start and to store three parts, then none.
    let asked = 0;
    const deadline = { remainingMs: () => (++asked <= 3 ? 60_000 : 0) };
    const outcome = await pipeline.archiveRun(target, { deadline });
    expect(outcome).toEqual({ status: "deferred", storedBytes: 15 * MIB, totalBytes: 40 * MIB });
    expect(pipeline.ofType("Run Archived")).toEqual([]);
    expect(await keysUnder(pipeline, `runs/${target.setId}/`)).toEqual([]);
    const pending = await pipeline.s3!.send(new ListMultipartUploadsCommand({ Bucket: pipeline.bucket }));
    expect(pending.Uploads ?? []).toHaveLength(1);

    // No archiver holds the run: the poller asks again once its wait is over.
    pipeline.sim.control.advance(2 * 60_000);
    await pipeline.poll();
    expect(pipeline.ofType("Artifacts Ready").filter((e) => (e.detail as { runId: string }).runId === target.runId)).toHaveLength(2);

    expect((await pipeline.archiveRun(target)).status).toBe("archived");
    const expected = pipeline.sim.control.expectedArtifact(target.runId);
    expect(await s3Sha256(pipeline, `runs/${target.setId}/${target.runId}/artifacts.jsonl`)).toEqual({ sha256: expected.sha256, size: expected.size });
    expect(pipeline.sim.control.requests("download").map((d) => d.range)).toEqual([undefined, `bytes=${15 * MIB}-`]);
    expect(pipeline.ofType("Run Archived")).toHaveLength(1);
  });

  it("archives once when Artifacts Ready is delivered twice, at once or later", async () => {
    pipeline = await startPipeline({ label: "duplicate" });
    const target = await finishedRun(pipeline, 3 * 1024 * 1024);
    const outcomes = await Promise.all([pipeline.archiveRun(target), pipeline.archiveRun(target)]);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(["archived", "in-progress-elsewhere"]);
    expect((await pipeline.archiveRun(target)).status).toBe("already-archived");
    expect(pipeline.ofType("Run Archived")).toHaveLength(1);
    expect(pipeline.sim.control.requests("download")).toHaveLength(1);
  });

  it("writes the same layout into a folder when no bucket is configured", async () => {
    pipeline = await startPipeline({ label: "fs", storage: "fs" });
    const target = await finishedRun(pipeline, 1024 * 1024, "Checkout flows");
    const outcome = await pipeline.archiveRun(target);
    expect(outcome.status).toBe("archived");
    const file = join(pipeline.root!, "runs", target.setId, target.runId, "artifacts.jsonl");
    const bytes = await readFile(file);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(pipeline.sim.control.expectedArtifact(target.runId).sha256);
    expect(await readFile(join(pipeline.root!, "runs", target.setId, target.runId, "summary.md"), "utf8")).toContain("Checkout flows: passed");
    const archived = pipeline.ofType("Run Archived") as EventOf<"Run Archived">[];
    expect(archived[0]?.detail.location).toBe(file);
  });

  it("stops watching a run once it is archived", async () => {
    pipeline = await startPipeline({ label: "unwatch", storage: "fs" });
    const target = await finishedRun(pipeline, 1024);
    await pipeline.archiveRun(target);
    const report = await pipeline.poll();
    expect(report.archived).toBe(1);
    expect(report.watched).toBe(0);
  });

  it("gives up on an artifact file that cannot be fetched after 5 deliveries: run.json, summary.md and Run Archived say why, and the run is no longer watched (#21)", async () => {
    pipeline = await startPipeline({ label: "gives-up" });
    const target = await finishedRun(pipeline, 1024);
    pipeline.sim.control.faults.failNext("download", { status: 404, detail: "NoSuchKey", count: 10 });
    for (let delivery = 1; delivery < MAX_FETCH_TRIES; delivery++) {
      await expect(pipeline.archiveRun(target)).rejects.toThrow("the artifacts URL answered HTTP 404: the file is gone");
      expect(pipeline.ofType("Run Archived")).toEqual([]);
      expect((await pipeline.poll()).watched).toBe(1);
    }
    const outcome = await pipeline.archiveRun(target);
    expect(outcome).toMatchObject({ status: "failed", tries: MAX_FETCH_TRIES });
    // One link and one download per delivery: each refusal is final for its delivery.
    expect(pipeline.sim.control.requests("download")).toHaveLength(MAX_FETCH_TRIES);

    const folder = `runs/${target.setId}/${target.runId}/`;
    expect(await keysUnder(pipeline, folder)).toEqual([`${folder}report.html`, `${folder}run.json`, `${folder}summary.md`]);
    expect(await pipeline.archive.getText(`${folder}report.html`)).toContain("The artifact file is not in the archive: gave up after 5 tries: the artifacts URL answered HTTP 404: the file is gone.");
    const runJson = JSON.parse((await pipeline.archive.getText(`${folder}run.json`))!) as { simwatch: Record<string, unknown> };
    expect(runJson.simwatch.artifacts).toBeUndefined();
    expect(runJson.simwatch.artifacts_failed).toEqual({ reason: "the artifacts URL answered HTTP 404: the file is gone", tries: 5, failed_at: expect.any(String) });
    expect(await pipeline.archive.getText(`${folder}summary.md`)).toContain("- Artifacts: not archived (gave up after 5 tries: the artifacts URL answered HTTP 404: the file is gone)");
    const archived = pipeline.ofType("Run Archived") as EventOf<"Run Archived">[];
    expect(archived.map((event) => event.detail)).toEqual([
      {
        runId: target.runId,
        setId: target.setId,
        location: `s3://${pipeline.bucket}/${folder}run.json`,
        key: "",
        size: 0,
        sha256: "",
        contentType: "",
        failure: { reason: "the artifacts URL answered HTTP 404: the file is gone", tries: 5 },
      },
    ]);
    expect((await pipeline.archiveRun(target)).status).toBe("already-archived");
    expect(pipeline.ofType("Run Archived")).toHaveLength(1);
    const report = await pipeline.poll();
    expect(report).toMatchObject({ archived: 1, watched: 0 });
  });

  describe("a resumed copy that cannot go on starts afresh (#21)", () => {
    const deferAfterTwoParts = () => {
      let asked = 0;
      return { remainingMs: () => (++asked <= 2 ? 60_000 : 0) };
    };

    it("when the multipart upload is gone (the lifecycle rule aborted it)", async () => {
      pipeline = await startPipeline({ label: "upload-gone" });
      const target = await finishedRun(pipeline, 16 * MIB);
      expect((await pipeline.archiveRun(target, { deadline: deferAfterTwoParts() })).status).toBe("deferred");
      const pending = (await pipeline.s3!.send(new ListMultipartUploadsCommand({ Bucket: pipeline.bucket }))).Uploads ?? [];
      expect(pending).toHaveLength(1);
      await pipeline.s3!.send(new AbortMultipartUploadCommand({ Bucket: pipeline.bucket, Key: pending[0]!.Key, UploadId: pending[0]!.UploadId }));

      expect((await pipeline.archiveRun(target)).status).toBe("archived");
      const expected = pipeline.sim.control.expectedArtifact(target.runId);
      expect(await s3Sha256(pipeline, `runs/${target.setId}/${target.runId}/artifacts.jsonl`)).toEqual({ sha256: expected.sha256, size: expected.size });
      // Resumed, refused by S3 (no such upload), then from byte 0.
      expect(pipeline.sim.control.requests("download").map((d) => d.range)).toEqual([undefined, `bytes=${10 * MIB}-`, undefined]);
    });

    it("when the file changed (If-Range names another ETag, so the server sends it whole)", async () => {
      pipeline = await startPipeline({ label: "file-changed" });
      const target = await finishedRun(pipeline, 16 * MIB);
      expect((await pipeline.archiveRun(target, { deadline: deferAfterTwoParts() })).status).toBe("deferred");
      const key = stateKeys.artifactCopy(target.runId);
      const saved = (await pipeline.state.get<ArtifactCopy>(key))!;
      await pipeline.state.replace(key, { ...saved.value, upload: { ...saved.value.upload!, etag: '"an-older-version"' } }, saved.etag);

      expect((await pipeline.archiveRun(target)).status).toBe("archived");
      const expected = pipeline.sim.control.expectedArtifact(target.runId);
      expect(await s3Sha256(pipeline, `runs/${target.setId}/${target.runId}/artifacts.jsonl`)).toEqual({ sha256: expected.sha256, size: expected.size });
      expect(pipeline.sim.control.requests("download").map((d) => [d.status, d.range])).toEqual([[200, undefined], [200, `bytes=${10 * MIB}-`]]);
      expect((await pipeline.s3!.send(new ListMultipartUploadsCommand({ Bucket: pipeline.bucket }))).Uploads ?? []).toEqual([]);
    });
  });
});
