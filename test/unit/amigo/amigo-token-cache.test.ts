import { describe, expect, it } from "vitest";
import { TokenCache } from "../../../functions/amigo/token-cache.js";

function manualClock(start: number) {
  let now = start;
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}

describe("the token cache", () => {
  it("shares one in-flight sign-in between concurrent callers", async () => {
    const clock = manualClock(0);
    let signIns = 0;
    let release: () => void = () => {};
    const cache = new TokenCache(
      async () => {
        signIns++;
        await new Promise<void>((resolve) => (release = resolve));
        return { token: `t${signIns}`, expiresAt: new Date(3_600_000) };
      },
      clock,
      300_000,
    );
    const waiting = Promise.all([cache.get(), cache.get(), cache.get()]);
    release();
    expect(await waiting).toEqual(["t1", "t1", "t1"]);
    expect(signIns).toBe(1);
  });

  it("refreshes the margin before expiry, and after an invalidation only of the current token", async () => {
    const clock = manualClock(0);
    let signIns = 0;
    const cache = new TokenCache(
      async () => ({ token: `t${++signIns}`, expiresAt: new Date(clock.now().getTime() + 3_600_000) }),
      clock,
      300_000,
    );
    expect(await cache.get()).toBe("t1");
    clock.advance(3_300_000 - 1);
    expect(await cache.get()).toBe("t1");
    clock.advance(1);
    expect(await cache.get()).toBe("t2");
    cache.invalidate("t1"); // stale: someone already replaced it
    expect(await cache.get()).toBe("t2");
    cache.invalidate("t2");
    expect(await cache.get()).toBe("t3");
  });

  it("does not keep a failed sign-in: the next caller tries again", async () => {
    let calls = 0;
    const cache = new TokenCache(
      async () => {
        calls++;
        if (calls === 1) throw new Error("refused");
        return { token: "ok", expiresAt: new Date(3_600_000) };
      },
      manualClock(0),
      300_000,
    );
    await expect(cache.get()).rejects.toThrow("refused");
    expect(await cache.get()).toBe("ok");
  });
});
