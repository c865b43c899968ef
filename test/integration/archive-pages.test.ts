import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { FileSystemArchiveStore } from "../../functions/archive/fs-archive-store.js";
import { FileSystemStateStore } from "../../functions/archive/fs-state-store.js";
import { S3ArchiveStore } from "../../functions/archive/s3-archive-store.js";
import { S3StateStore } from "../../functions/archive/s3-state-store.js";
import { publishPendingPages } from "../../functions/core/archive-pages/publish-pages.js";
import type { EventOf } from "../../functions/core/events.js";
import { auditPage, unsafeParts } from "../support/html-audit.js";
import { counting, noRequests, total } from "../support/counting-stores.js";
import { archivePages, nthRunId, PREFIX, pagesOptions } from "../support/pages-fixtures.js";
import { type Pipeline, startPipeline } from "../support/pipeline.js";
import { s3WithFreshBucket } from "../support/s3.js";
import { SET_ID } from "../support/summary-fixtures.js";

let pipeline: Pipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

async function fsStores() {
  const root = await mkdtemp(join(tmpdir(), "simwatch-pages-"));
  return { root, archive: new FileSystemArchiveStore({ root }), state: new FileSystemStateStore({ root }) };
}

const reportLinks = (page: string) => auditPage(page).links.filter((link) => link.endsWith("/report.html"));

describe("the archive's pages", () => {
  it("are written by the archiver: the run's report, its set's page and the archive's index, linking each other", async () => {
    pipeline = await startPipeline({ label: "pages" });
    await pipeline.poll();
    const runId = pipeline.sim.control.createRun({ set: "Billing disputes", outcome: { durationMs: 1_000, artifactsDelayMs: 0, artifactBytes: 1_000 } });
    await pipeline.poll();
    pipeline.sim.control.advance(2_000);
    await pipeline.poll();
    const ready = (pipeline.ofType("Artifacts Ready") as EventOf<"Artifacts Ready">[]).find((event) => event.detail.runId === runId);
    const setId = ready!.detail.setId;
    expect((await pipeline.archiveRun(ready!.detail)).status).toBe("archived");

    const object = async (key: string) => pipeline!.s3!.send(new GetObjectCommand({ Bucket: pipeline!.bucket, Key: key }));
    const report = await object(`runs/${setId}/${runId}/report.html`);
    expect(report.ContentType).toBe("text/html; charset=utf-8");
    const reportPage = await report.Body!.transformToString();
    expect(unsafeParts(reportPage)).toEqual([]);
    expect(auditPage(reportPage).links).toEqual(expect.arrayContaining(["../index.html", "../../index.html", "artifacts.jsonl"]));
    const setPage = await (await object(`runs/${setId}/index.html`)).Body!.transformToString();
    expect(reportLinks(setPage)).toEqual([`${runId}/report.html`]);
    const index = await (await object("runs/index.html")).Body!.transformToString();
    expect(auditPage(index).links).toEqual([`${setId}/index.html`]);
    expect(auditPage(index).text).toContain("Billing disputes");
    expect(await pipeline.state.list("_simwatch/pages/pending/")).toEqual([]);
  });

  it("list every run when archivers finish runs of one set at the same time (conditional writes on S3)", async () => {
    const { client, bucket } = await s3WithFreshBucket("pages-race");
    const options = pagesOptions(new S3ArchiveStore({ client, bucket }), new S3StateStore({ client, bucket }));
    await Promise.all(Array.from({ length: 8 }, (_, n) => archivePages(options, n)));
    const setPage = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${PREFIX}${SET_ID}/index.html` }))).Body!.transformToString();
    expect(reportLinks(setPage).sort()).toEqual(Array.from({ length: 8 }, (_, n) => `${nthRunId(n)}/report.html`).sort());
    const index = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${PREFIX}index.html` }))).Body!.transformToString();
    expect(auditPage(index).text).toContain("8");
    expect(await options.state.list("_simwatch/pages/pending/")).toEqual([]);
  });

  it("show a set's newest 200 runs and link pages of older ones, written once each", async () => {
    const { root, archive, state } = await fsStores();
    const options = pagesOptions(archive, state);
    for (let n = 0; n < 450; n++) await archivePages(options, n);
    const folder = join(root, PREFIX, SET_ID);
    expect((await readdir(folder)).filter((name) => name.endsWith(".html")).sort()).toEqual(["index-2.html", "index-3.html", "index.html"]);
    const newest = await readFile(join(folder, "index.html"), "utf8");
    const listed = reportLinks(newest);
    expect(listed).toHaveLength(200);
    expect(listed[0]).toBe(`${nthRunId(449)}/report.html`);
    expect(listed.at(-1)).toBe(`${nthRunId(250)}/report.html`);
    expect(auditPage(newest).links).toEqual(expect.arrayContaining(["index-2.html", "index-3.html"]));
    const first = reportLinks(await readFile(join(folder, "index-2.html"), "utf8"));
    expect(first).toHaveLength(200);
    expect(first[0]).toBe(`${nthRunId(199)}/report.html`);
    expect(first.at(-1)).toBe(`${nthRunId(0)}/report.html`);
  });

  it("cost the same few requests per run whatever the archive's size, and nothing when nothing is pending", async () => {
    const { archive, state } = await fsStores();
    const perRun = async (n: number) => {
      const counts = noRequests();
      await archivePages(pagesOptions(counting(archive, counts), counting(state, counts)), n);
      return counts;
    };
    const early = await perRun(0);
    for (let n = 1; n < 300; n++) await archivePages(pagesOptions(archive, state), n);
    const late = await perRun(301);
    expect(total(late)).toBe(total(early));
    expect(total(late)).toBeLessThanOrEqual(20);
    expect(late.lists).toBe(1);

    const idle = noRequests();
    expect(await publishPendingPages(pagesOptions(counting(archive, idle), counting(state, idle)))).toBe(0);
    expect(idle).toEqual({ reads: 0, writes: 0, deletes: 0, lists: 1 });
  });
});
