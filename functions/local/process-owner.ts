/**
 * Claims made by a local process (`simwatch poll`, `simwatch serve`, a CLI verb) are owned by
 * `<host>:<pid>:<nonce>`. Another process on the same machine whose pid no longer exists is
 * known to be gone, so what it left half-done (a lease, a post, a recorded event, a journaled
 * delivery) is taken over at once instead of after its expiry.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { isProcessAlive } from "../archive/fs-lock.js";
import type { ClaimOwner } from "../core/ports.js";

export function processOwner(): ClaimOwner {
  const host = hostname().replaceAll(":", "_");
  const id = `${host}:${process.pid}:${randomBytes(4).toString("hex")}`;
  return {
    id,
    isGone(otherId: string): boolean {
      const [otherHost, pidText] = otherId.split(":");
      const pid = Number(pidText);
      if (otherHost !== host || !Number.isInteger(pid) || pid <= 0) return false;
      // The same pid with another nonce is an earlier process whose pid this one reuses.
      return pid === process.pid ? otherId !== id : !isProcessAlive(pid);
    },
  };
}
