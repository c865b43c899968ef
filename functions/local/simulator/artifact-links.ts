/**
 * Presigned-style download links the simulator hands out and serves itself: each link
 * names one run and expires at a given instant (403 after, as S3 answers).
 */
import { randomBytes } from "node:crypto";

export interface ArtifactLink {
  runId: string;
  expiresAtMs: number;
}

export class ArtifactLinks {
  private readonly links = new Map<string, ArtifactLink>();

  issue(runId: string, expiresAtMs: number): string {
    const key = randomBytes(12).toString("hex");
    this.links.set(key, { runId, expiresAtMs });
    return key;
  }

  /** The link's run, or undefined when the key is unknown or the link has expired. */
  resolve(key: string, nowMs: number): ArtifactLink | undefined {
    const link = this.links.get(key);
    return link === undefined || nowMs >= link.expiresAtMs ? undefined : link;
  }

  /** Makes a link stop working right away (the "expires mid-download" fault). */
  expire(key: string, nowMs: number): void {
    const link = this.links.get(key);
    if (link !== undefined) link.expiresAtMs = Math.min(link.expiresAtMs, nowMs);
  }

  expireAll(nowMs: number): void {
    for (const link of this.links.values()) link.expiresAtMs = Math.min(link.expiresAtMs, nowMs);
  }
}

/** S3's answer to an expired or unknown presigned URL. */
export const EXPIRED_LINK_BODY =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>';
