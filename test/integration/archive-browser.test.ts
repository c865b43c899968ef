/**
 * The archive browser over real HTTP, on the folder store and on the S3 store (the shared Ceph
 * server): the archive's routes serve its pages and files with the right types and headers, and
 * no path reaches simwatch's state, anything outside the prefix, a write in progress or (in the
 * folder) a symlink.
 */
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileSystemArchiveStore } from "../../functions/archive/fs-archive-store.js";
import { S3ArchiveStore } from "../../functions/archive/s3-archive-store.js";
import { createArchiveBrowser } from "../../functions/archive/web/archive-browser.js";
import type { ArchiveReader, ArchiveStore } from "../../functions/core/ports.js";
import { rawGet, type ServedApp, serveOnLoopback } from "../support/archive-browser-http.js";
import { s3WithFreshBucket } from "../support/s3.js";
import { useTempFolders } from "../support/temp-folders.js";

const SET = "695b7d90a1b2c3d4e5f60718";
const RUN = "6b10687a0000000000000001";
const SECRET = "state-that-must-never-be-served";
const PAGES: Record<string, string> = {
  "runs/index.html": `<!doctype html><title>Archive</title><a href="${SET}/index.html">Checkout flows</a>`,
  [`runs/${SET}/index.html`]: `<!doctype html><title>Checkout flows</title><a href="${RUN}/report.html">run</a>`,
  [`runs/${SET}/${RUN}/report.html`]: `<!doctype html><title>Report</title><a href="artifacts.html">artifact</a>`,
  [`runs/${SET}/${RUN}/summary.md`]: "# Checkout flows: failed\n",
  [`runs/${SET}/${RUN}/run.json`]: `{"id":"${RUN}"}`,
  [`runs/${SET}/${RUN}/artifacts.html`]: "<script>alert(1)</script>",
};
const FORBIDDEN: Record<string, string> = {
  "_simwatch/poller/watchlist.json": SECRET,
  "other/secret.txt": SECRET,
  "runs/_simwatch/x.json": SECRET,
};

const ATTACKS = [
  "/archive/../_simwatch/poller/watchlist.json",
  "/archive/..%2F_simwatch%2Fpoller%2Fwatchlist.json",
  "/archive/%2e%2e/_simwatch/poller/watchlist.json",
  "/archive/%252e%252e%252f_simwatch%252fpoller%252fwatchlist.json",
  "/archive/..%5C_simwatch%5Cpoller%5Cwatchlist.json",
  "/archive/..\\_simwatch\\poller\\watchlist.json",
  "/archive/_simwatch/poller/watchlist.json",
  "/archive/_simwatch/x.json",
  `/archive/${SET}/../../other/secret.txt`,
  `/archive/${SET}/%2e%2e/%2e%2e/other/secret.txt`,
  "/archive/../other/secret.txt",
  "/archive/..%2fother%2fsecret.txt",
  "/archive//other/secret.txt",
  "/_simwatch/poller/watchlist.json",
  "/other/secret.txt",
];

function describeBrowserOn(label: string, setup: () => Promise<{ store: ArchiveStore & ArchiveReader; putRaw: (key: string, text: string) => Promise<void> }>) {
  describe(`the archive browser on ${label}`, () => {
    let served: ServedApp;
    let reader: ArchiveReader;
    beforeAll(async () => {
      const { store, putRaw } = await setup();
      reader = store;
      for (const [key, text] of Object.entries(PAGES)) await store.putText(key, text, "text/plain");
      for (const [key, text] of Object.entries(FORBIDDEN)) await putRaw(key, text);
      served = await serveOnLoopback(createArchiveBrowser({ reader: store, archivePrefix: "runs/" }));
    });
    afterAll(() => served.close());

    it("serves the archive's index, a set's page and a run's report as HTML with a strict policy", async () => {
      for (const [path, key] of [["/archive/", "runs/index.html"], [`/archive/${SET}/`, `runs/${SET}/index.html`], [`/archive/${SET}/${RUN}/`, `runs/${SET}/${RUN}/report.html`]] as const) {
        const answer = await fetch(`${served.url}${path}`);
        expect(answer.status, path).toBe(200);
        expect(answer.headers.get("content-type")).toBe("text/html; charset=utf-8");
        expect(answer.headers.get("content-security-policy")).toContain("default-src 'none'");
        expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
        expect(await answer.text()).toBe(PAGES[key]);
      }
    });

    it("serves summary.md and run.json as text and the artifact as a download, even when it is HTML", async () => {
      const summary = await fetch(`${served.url}/archive/${SET}/${RUN}/summary.md`);
      expect(summary.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      expect(await summary.text()).toBe(PAGES[`runs/${SET}/${RUN}/summary.md`]);
      const run = await fetch(`${served.url}/archive/${SET}/${RUN}/run.json`);
      expect(run.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      const artifact = await fetch(`${served.url}/archive/${SET}/${RUN}/artifacts.html`);
      expect(artifact.status).toBe(200);
      expect(artifact.headers.get("content-type")).toBe("application/octet-stream");
      expect(artifact.headers.get("content-disposition")).toBe('attachment; filename="artifacts.html"');
      expect(await artifact.text()).toBe("<script>alert(1)</script>");
    });

    it("sends a folder without its slash to the folder, and answers 404 for what is not archived", async () => {
      const set = await rawGet(served.port, `/archive/${SET}`);
      expect(set.status).toBe(308);
      expect(new URL(String(set.headers.location), `${served.url}/archive/${SET}`).pathname).toBe(`/archive/${SET}/`);
      expect((await rawGet(served.port, "/archive")).headers.location).toBe("/archive/");
      expect((await fetch(`${served.url}/archive/${SET}/6b10687a0000000000000099/`)).status).toBe(404);
    });

    it("keeps state out of reach with an empty prefix too, where _simwatch/ sits among the sets", async () => {
      const bare = await serveOnLoopback(createArchiveBrowser({ reader, archivePrefix: "" }));
      try {
        expect((await fetch(`${bare.url}/archive/runs/index.html`)).status).toBe(200);
        for (const path of ["/archive/_simwatch/poller/watchlist.json", "/archive/_simwatch/", "/archive/../_simwatch/x.json"]) {
          const answer = await rawGet(bare.port, path);
          expect(answer.status, path).toBe(404);
          expect(answer.body).not.toContain(SECRET);
        }
      } finally {
        await bare.close();
      }
    });

    it.each(ATTACKS)("refuses %s", async (path) => {
      const answer = await rawGet(served.port, path);
      // 404 from the browser's rules; the HTTP server itself answers 400 to a backslash.
      expect([400, 404]).toContain(answer.status);
      expect(answer.body).not.toContain(SECRET);
    });
  });
}

const folders = useTempFolders("simwatch-browser-");

describeBrowserOn("the folder store", async () => {
  const root = await folders();
  const store = new FileSystemArchiveStore({ root });
  const putRaw = async (key: string, text: string) => {
    await mkdir(join(root, key, ".."), { recursive: true });
    await writeFile(join(root, key), text);
  };
  return { store, putRaw };
});

describeBrowserOn("the S3 store", async () => {
  const { client, bucket } = await s3WithFreshBucket("browser");
  const store = new S3ArchiveStore({ client, bucket });
  return { store, putRaw: async (key, text) => void (await store.putText(key, text, "application/json")) };
});

describe("the archive browser on S3, large files", () => {
  it("sends a file larger than the proxy limit by redirect to a fresh presigned GET that downloads it", async () => {
    const { client, bucket } = await s3WithFreshBucket("browser-large");
    const store = new S3ArchiveStore({ client, bucket });
    const bytes = "x".repeat(4096);
    await store.putText(`runs/${SET}/${RUN}/artifacts.jsonl`, bytes, "application/x-ndjson");
    await store.putText(`runs/${SET}/${RUN}/report.html`, `<p>${bytes}</p>`, "text/html; charset=utf-8");
    const served = await serveOnLoopback(createArchiveBrowser({ reader: store, archivePrefix: "runs/", proxyLimitBytes: 1024 }));
    try {
      const answer = await fetch(`${served.url}/archive/${SET}/${RUN}/artifacts.jsonl`, { redirect: "manual" });
      expect(answer.status).toBe(302);
      const link = new URL(answer.headers.get("location")!);
      expect(link.searchParams.get("X-Amz-Expires")).toBe("300");
      const download = await fetch(link);
      expect(download.status).toBe(200);
      expect(download.headers.get("content-disposition")).toContain("attachment");
      expect(await download.text()).toBe(bytes);
      // Pages are never sent away: a presigned page would download, on the bucket's origin.
      const page = await fetch(`${served.url}/archive/${SET}/${RUN}/`, { redirect: "manual" });
      expect(page.status).toBe(200);
      expect(await page.text()).toBe(`<p>${bytes}</p>`);
    } finally {
      await served.close();
    }
  });
});

describe("the archive browser's folder store and symlinks", () => {
  it("serves no file through a symlink, whether the file or a folder on the way is the link", async () => {
    const root = await folders();
    const outside = await folders();
    await writeFile(join(outside, "secret.txt"), SECRET);
    await mkdir(join(root, "runs", SET, RUN), { recursive: true });
    await mkdir(join(root, "_simwatch"), { recursive: true });
    await writeFile(join(root, "_simwatch", "watchlist.json"), SECRET);
    await symlink(join(outside, "secret.txt"), join(root, "runs", SET, RUN, "summary.md"));
    await symlink(join(root, "_simwatch"), join(root, "runs", "linkedstate"));
    await symlink(outside, join(root, "runs", SET, "linkedrun"));
    await writeFile(join(root, "runs", SET, RUN, "artifacts.zip.123-abcdefabcdef.simwatch-tmp"), SECRET);
    const store = new FileSystemArchiveStore({ root });
    const served = await serveOnLoopback(createArchiveBrowser({ reader: store, archivePrefix: "runs/" }));
    try {
      for (const path of [`/archive/${SET}/${RUN}/summary.md`, "/archive/linkedstate/watchlist.json", `/archive/${SET}/linkedrun/secret.txt`, `/archive/${SET}/${RUN}/artifacts.zip.123-abcdefabcdef.simwatch-tmp`]) {
        const answer = await rawGet(served.port, path);
        expect(answer.status, path).toBe(404);
        expect(answer.body).not.toContain(SECRET);
      }
      expect(await store.read(`runs/${SET}/linkedrun/secret.txt`)).toBeUndefined();
      expect(await store.stat(`runs/${SET}/${RUN}/summary.md`)).toBeUndefined();
    } finally {
      await served.close();
    }
  });
});
