/**
 * GET .../{run_id}/artifacts/ hands out a presigned-style link; the simulator serves the
 * link itself (no Authorization needed, 403 once expired), streaming a generated file. Like S3
 * it answers `Range: bytes=N-` with 206 and a Content-Range, sends an ETag, and answers an
 * If-Range that names another ETag with the whole file.
 */
import type { Hono } from "hono";
import { OBJECT_ID } from "../../core/model/amigo-model.js";
import { EXPIRED_LINK_BODY } from "./artifact-links.js";
import { ARTIFACT_CONTENT_TYPE, ARTIFACT_FILE_NAME, artifactChunks, artifactSource } from "./artifact-content.js";
import type { DownloadFault } from "./faults.js";
import { guard } from "./guard.js";
import { detail, type SimEnv } from "./hono-env.js";
import { invalidRunId } from "./routes-runs.js";
import { artifactsReadyAtMs } from "./run-view.js";
import type { SimulatorState } from "./simulator-state.js";

export const DOWNLOAD_PREFIX = "/_artifacts";

export function registerArtifactRoutes(app: Hono<SimEnv>, state: SimulatorState): void {
  app.get("/v1/:org/simulation/unit_test_set_run/:runId/artifacts/", guard(state, "getArtifacts"), (c) => {
    const runId = c.req.param("runId");
    if (!OBJECT_ID.test(runId)) return invalidRunId(c);
    const plan = state.runs.get(runId);
    if (plan === undefined) return detail(c, 404, "Specified organization or unit test set run is not found.");
    const nowMs = state.clock.nowMs();
    const readyAt = artifactsReadyAtMs(plan);
    if (readyAt === undefined || nowMs < readyAt) {
      return detail(c, 400, "The artifacts for the unit test set run are not yet available for retrieval");
    }
    const expiresAtMs = nowMs + state.artifactUrlLifetimeMs;
    const handedOut = state.faults.takeHandedOutLink();
    if (handedOut !== undefined) return c.json({ presigned_url: handedOut, url_expires_at: new Date(expiresAtMs).toISOString() });
    const key = state.links.issue(runId, expiresAtMs);
    const url = new URL(`${DOWNLOAD_PREFIX}/${key}/${ARTIFACT_FILE_NAME}`, new URL(c.req.url).origin);
    url.searchParams.set("X-Amz-Expires", String(Math.max(0, Math.round(state.artifactUrlLifetimeMs / 1000))));
    url.searchParams.set("X-Amz-Signature", key.split("").reverse().join(""));
    return c.json({ presigned_url: url.toString(), url_expires_at: new Date(expiresAtMs).toISOString() });
  });

  app.get(`${DOWNLOAD_PREFIX}/:key/:file`, guard(state, "download"), (c) => {
    const key = c.req.param("key");
    const link = state.links.resolve(key, state.clock.nowMs());
    const plan = link === undefined ? undefined : state.runs.get(link.runId);
    if (plan === undefined) return c.body(EXPIRED_LINK_BODY, 403, { "Content-Type": "application/xml" });
    if (state.faults.takeEndless()) return new Response(endless(), { status: 200, headers: { "Content-Type": ARTIFACT_CONTENT_TYPE } });
    const source = artifactSource(plan);
    const etag = `"${plan.id}-${source.size}"`;
    const range = requestedRange(c.req.header("range"), c.req.header("if-range"), etag, source.size);
    if (range === "unsatisfiable") return c.body(null, 416, { "Content-Range": `bytes */${source.size}` });
    const from = range?.from ?? 0;
    const fault = state.faults.takeDownloadFault();
    const onDrop = () => {
      if (fault?.expireLink === true) state.links.expire(key, state.clock.nowMs());
      // Served by @hono/node-server: tear the socket down, as a dropped connection would.
      const outgoing = c.env?.outgoing;
      outgoing?.destroy();
      return outgoing !== undefined;
    };
    const sent = (bytes: number) => (state.downloadedBytes += bytes);
    return new Response(streamOf(artifactChunks(source, from), fault, onDrop, { sent, bytesPerSecond: () => state.faults.downloadBytesPerSecond }), {
      status: range ? 206 : 200,
      headers: {
        "Content-Type": ARTIFACT_CONTENT_TYPE,
        "Content-Length": String(source.size - from),
        ...(range ? { "Content-Range": `bytes ${from}-${source.size - 1}/${source.size}` } : {}),
        ETag: etag,
        "Accept-Ranges": "bytes",
        "Content-Disposition": `attachment; filename="${ARTIFACT_FILE_NAME}"`,
      },
    });
  });
}

/** `bytes=N-` (the only form the archiver sends), unless an If-Range names another version. */
function requestedRange(header: string | undefined, ifRange: string | undefined, etag: string, size: number): { from: number } | "unsatisfiable" | undefined {
  const match = /^bytes=(\d+)-$/.exec(header?.trim() ?? "");
  if (!match || (ifRange !== undefined && ifRange !== etag)) return undefined;
  const from = Number(match[1]);
  return from < size ? { from } : "unsatisfiable";
}

/** 64 KiB of newlines after another, as fast as the client reads, forever. */
function endless(): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(64 * 1024).fill(10);
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(chunk.slice());
    },
  });
}

/** Pulls chunks only as fast as the client reads; breaks off after `fault.dropAfterBytes`. */
function streamOf(
  chunks: Generator<Buffer>,
  fault: DownloadFault | undefined,
  onDrop: () => boolean,
  pace: { sent: (bytes: number) => void; bytesPerSecond: () => number | undefined },
): ReadableStream<Uint8Array> {
  let sent = 0;
  const limit = fault?.dropAfterBytes ?? Number.POSITIVE_INFINITY;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent >= limit) {
        // A moment's pause lets the bytes already queued reach the socket before it is torn down.
        await new Promise((resolve) => setTimeout(resolve, 20));
        // Without a socket (app.request), failing the body stream is the closest thing.
        if (!onDrop()) controller.error(new Error("simulated connection drop"));
        return;
      }
      const next = chunks.next();
      if (next.done === true) {
        controller.close();
        return;
      }
      const chunk = next.value.length > limit - sent ? next.value.subarray(0, limit - sent) : next.value;
      const bytesPerSecond = pace.bytesPerSecond();
      if (bytesPerSecond !== undefined) await new Promise((resolve) => setTimeout(resolve, (1000 * chunk.length) / bytesPerSecond));
      sent += chunk.length;
      pace.sent(chunk.length);
      controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    },
    cancel() {
      chunks.return(undefined);
    },
  });
}
