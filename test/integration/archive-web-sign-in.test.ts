/**
 * Sign in with Slack in front of the archive browser, end to end over real HTTP: the archive-web
 * app on loopback, a stand-in for Slack's OpenID endpoints (discovery, authorize, token, userInfo,
 * keys), and a "browser" that follows redirects and keeps cookies. An allowed workspace reads the
 * archive; a foreign one, a forged id_token, a tampered, foreign-keyed or expired cookie and a
 * replayed state are all refused.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createArchiveWeb } from "../../functions/archive/web/archive-web.js";
import { FileSystemArchiveStore } from "../../functions/archive/fs-archive-store.js";
import { accessPolicy } from "../../functions/core/commands/access.js";
import { parseConfig } from "../../functions/core/config.js";
import type { Clock } from "../../functions/core/ports.js";
import { type ServedApp, serveOnLoopback } from "../support/archive-browser-http.js";
import { type SlackOidcStub, startSlackOidcStub } from "../support/slack-oidc-stub.js";
import { useTempFolders } from "../support/temp-folders.js";

const SET = "695b7d90a1b2c3d4e5f60718";
const RUN = "6b10687a0000000000000001";
const REPORT = "<!doctype html><title>Report</title><p>the run's report</p>";
const COOKIE_KEY = "archive-web-test-cookie-key-0123456789abcdef";
const ALLOWED = { userId: "U0ADA", teamId: "T0ALLOWED", name: "Ada" };

/** A browser: follows redirects itself, keeps cookies by name (Secure ones too: this is loopback). */
class Browser {
  readonly cookies = new Map<string, string>();
  readonly setCookieLines: string[] = [];

  async get(url: string, maxRedirects = 10): Promise<{ status: number; url: string; body: string; headers: Headers }> {
    let current = url;
    for (let hop = 0; ; hop++) {
      const answer = await this.once(current);
      const location = answer.headers.get("location");
      if (location === null || answer.status < 300 || answer.status >= 400 || hop >= maxRedirects) {
        return { status: answer.status, url: current, body: await answer.text(), headers: answer.headers };
      }
      await answer.arrayBuffer();
      current = new URL(location, current).href;
    }
  }

  async once(url: string): Promise<Response> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    const answer = await fetch(url, { redirect: "manual", headers: cookie ? { cookie } : {} });
    for (const line of answer.headers.getSetCookie()) {
      this.setCookieLines.push(line);
      const [pair] = line.split(";");
      const [name, ...value] = pair!.split("=");
      if (/max-age=0/i.test(line) || value.join("=") === "") this.cookies.delete(name!);
      else this.cookies.set(name!, value.join("="));
    }
    return answer;
  }
}

let stub: SlackOidcStub;
let app: ServedApp;
let now = Date.now();
const clock: Clock = { now: () => new Date(now) };
const folders = useTempFolders("simwatch-web-");

beforeAll(async () => {
  stub = await startSlackOidcStub();
  const root = await folders();
  const store = new FileSystemArchiveStore({ root });
  await store.putText(`runs/${SET}/${RUN}/report.html`, REPORT, "text/html; charset=utf-8");
  await store.putText("runs/index.html", "<p>every set</p>", "text/html; charset=utf-8");
  const access = accessPolicy(parseConfig({ SLACK_TEAM_ID: "T0ALLOWED,E0GRID" }));
  app = await serveOnLoopback(
    createArchiveWeb({
      reader: store,
      archivePrefix: "runs/",
      signIn: { clientId: stub.clientId, clientSecret: stub.clientSecret, cookieKey: COOKIE_KEY, issuer: stub.issuer, access, clock },
    }),
  );
});

afterAll(async () => {
  await app?.close();
  await stub?.close();
});

beforeEach(() => {
  now = Date.now();
  stub.signInAs(ALLOWED);
  stub.forgeSignatures(false);
});

const reportUrl = () => `${app.url}/archive/${SET}/${RUN}/`;

describe("Sign in with Slack in front of the archive browser", () => {
  it("sends a stranger to Slack and back to the page they asked for, signed in", async () => {
    const browser = new Browser();
    const first = await browser.once(reportUrl());
    expect(first.status).toBe(302);
    expect(first.headers.get("location")).toBe(`/auth/login?next=${encodeURIComponent(`/archive/${SET}/${RUN}/`)}`);
    const page = await browser.get(reportUrl());
    expect(page.status).toBe(200);
    expect(page.url).toBe(reportUrl());
    expect(page.body).toBe(REPORT);
    expect(stub.calls).toEqual(expect.arrayContaining(["GET /.well-known/openid-configuration", "GET /openid/connect/authorize", "POST /api/openid.connect.token", "GET /openid/connect/keys", "GET /api/openid.connect.userInfo"]));
  });

  it("keeps the session in a __Host- cookie that is signed, HttpOnly, Secure, SameSite=Lax and lasts at most 12 hours", async () => {
    const browser = new Browser();
    await browser.get(reportUrl());
    const session = browser.setCookieLines.find((line) => line.startsWith("__Host-simwatch_session="))!;
    expect(session).toMatch(/; HttpOnly/i);
    expect(session).toMatch(/; Secure/i);
    expect(session).toMatch(/; SameSite=Lax/i);
    expect(session).toMatch(/; Path=\//);
    expect(Number(/Max-Age=(\d+)/i.exec(session)?.[1])).toBeLessThanOrEqual(12 * 3600);
    // The page came with the browser's security headers.
    const again = await browser.once(reportUrl());
    expect(again.headers.get("content-security-policy")).toContain("default-src 'none'");
  });

  it("asks Slack for the openid and profile scopes, a state and a nonce, and comes back to its own callback", async () => {
    const browser = new Browser();
    const login = await browser.once(`${app.url}/auth/login?next=/archive/`);
    const to = new URL(login.headers.get("location")!);
    expect(`${to.origin}${to.pathname}`).toBe(`${stub.issuer}/openid/connect/authorize`);
    expect(to.searchParams.get("scope")).toBe("openid profile");
    expect(to.searchParams.get("redirect_uri")).toBe(`${app.url}/auth/callback`);
    expect(to.searchParams.get("state")?.length).toBeGreaterThanOrEqual(20);
    expect(to.searchParams.get("nonce")?.length).toBeGreaterThanOrEqual(20);
  });

  it("refuses a member of a foreign workspace, who gets no session", async () => {
    stub.signInAs({ userId: "U0EVE", teamId: "T0FOREIGN", name: "Eve" });
    const browser = new Browser();
    const page = await browser.get(reportUrl());
    expect(page.status).toBe(403);
    expect(page.body).not.toContain(REPORT);
    expect(browser.cookies.has("__Host-simwatch_session")).toBe(false);
    expect((await browser.once(reportUrl())).status).toBe(302);
  });

  it("refuses an id_token whose signature is not Slack's", async () => {
    stub.forgeSignatures(true);
    const browser = new Browser();
    const page = await browser.get(reportUrl());
    expect(page.status).toBe(400);
    expect(page.body).toContain("Slack did not confirm who you are");
    expect(browser.cookies.has("__Host-simwatch_session")).toBe(false);
  });

  it("refuses a tampered session cookie and one signed with another key", async () => {
    const browser = new Browser();
    await browser.get(reportUrl());
    const good = browser.cookies.get("__Host-simwatch_session")!;
    const [header, payload, signature] = good.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8")) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, team: "T0ALLOWED", sub: "U0MALLORY" })).toString("base64url");
    for (const value of [`${header}.${forged}.${signature}`, `${good.slice(0, -2)}xx`, "", "not-a-token"]) {
      browser.cookies.set("__Host-simwatch_session", value);
      const answer = await browser.once(reportUrl());
      expect(answer.status, value).toBe(302);
      expect(answer.headers.get("location")).toMatch(/^\/auth\/login/);
    }
    // A whole other deployment's cookie (its own key) is no good here either.
    const other = await serveOnLoopback(
      createArchiveWeb({
        reader: new FileSystemArchiveStore({ root: await folders() }),
        archivePrefix: "runs/",
        signIn: { clientId: stub.clientId, clientSecret: stub.clientSecret, cookieKey: `${COOKIE_KEY}-other`, issuer: stub.issuer, access: accessPolicy(parseConfig({ SLACK_TEAM_ID: "T0ALLOWED" })), clock },
      }),
    );
    try {
      const elsewhere = new Browser();
      await elsewhere.get(`${other.url}/archive/`);
      browser.cookies.set("__Host-simwatch_session", elsewhere.cookies.get("__Host-simwatch_session")!);
      expect((await browser.once(reportUrl())).status).toBe(302);
    } finally {
      await other.close();
    }
  });

  it("refuses a session cookie once its 12 hours are over", async () => {
    const browser = new Browser();
    await browser.get(reportUrl());
    now += 12 * 3600 * 1000 - 60_000;
    expect((await browser.once(reportUrl())).status).toBe(200);
    now += 61_000;
    const expired = await browser.once(reportUrl());
    expect(expired.status).toBe(302);
    expect(expired.headers.get("location")).toMatch(/^\/auth\/login/);
  });

  it("refuses a replayed state: the same callback a second time, and a state the sign-in cookie did not start", async () => {
    const browser = new Browser();
    const login = await browser.once(`${app.url}/auth/login?next=/archive/`);
    const signInCookie = browser.cookies.get("__Host-simwatch_sign_in")!;
    const authorize = await browser.once(login.headers.get("location")!);
    const callback = authorize.headers.get("location")!;
    expect((await browser.once(callback)).status).toBe(303);
    expect(browser.cookies.has("__Host-simwatch_session")).toBe(true);

    // The very same request again, sign-in cookie and all (an attacker who saw both).
    const replay = new Browser();
    replay.cookies.set("__Host-simwatch_sign_in", signInCookie);
    const tokenCalls = stub.calls.filter((call) => call.includes("token")).length;
    const replayed = await replay.get(callback);
    expect(replayed.status).toBe(400);
    // Refused by the state's single use, before the code even goes to Slack (which would refuse it too).
    expect(replayed.body).toContain("expired or was already used");
    expect(stub.calls.filter((call) => call.includes("token")).length).toBe(tokenCalls);
    expect(replay.cookies.has("__Host-simwatch_session")).toBe(false);

    // A callback whose state is not the one this browser's sign-in started (login CSRF).
    const victim = new Browser();
    await victim.once(`${app.url}/auth/login?next=/archive/`);
    const attacker = new Browser();
    const attackerLogin = await attacker.once(`${app.url}/auth/login?next=/archive/`);
    const attackerCallback = (await attacker.once(attackerLogin.headers.get("location")!)).headers.get("location")!;
    expect((await victim.get(attackerCallback)).status).toBe(400);
    expect(victim.cookies.has("__Host-simwatch_session")).toBe(false);

    // And a callback with no sign-in in progress at all.
    expect((await new Browser().get(callback)).status).toBe(400);
  });

  it("goes back only into the archive after signing in, never to another site", async () => {
    for (const next of ["https://evil.example/", "//evil.example/archive/", "/archive/..//evil.example", "/auth/logout"]) {
      const browser = new Browser();
      const page = await browser.get(`${app.url}/auth/login?next=${encodeURIComponent(next)}`);
      expect(page.url, next).toBe(`${app.url}/archive/`);
      expect(page.body).toBe("<p>every set</p>");
    }
  });

  it("signs out", async () => {
    const browser = new Browser();
    await browser.get(reportUrl());
    expect((await browser.get(`${app.url}/auth/logout`)).status).toBe(200);
    expect(browser.cookies.has("__Host-simwatch_session")).toBe(false);
    expect((await browser.once(reportUrl())).status).toBe(302);
  });
});

describe("Sign in with Slack when Slack cannot be reached", () => {
  it("answers a page saying so, with the security headers, and no trace of the error", async () => {
    const down = await serveOnLoopback(
      createArchiveWeb({
        reader: new FileSystemArchiveStore({ root: await folders() }),
        archivePrefix: "runs/",
        // A loopback port nothing listens on: discovery fails.
        signIn: { clientId: "x", clientSecret: "y", cookieKey: COOKIE_KEY, issuer: "http://127.0.0.1:9", access: accessPolicy(parseConfig({ SLACK_TEAM_ID: "T0ALLOWED" })), clock },
      }),
    );
    try {
      const answer = await new Browser().get(`${down.url}/archive/`);
      expect(answer.status).toBe(503);
      expect(answer.body).toContain("could not be shown just now");
      expect(answer.body).not.toMatch(/ECONNREFUSED|at \w+ \(/);
      expect(answer.headers.get("content-security-policy")).toContain("default-src 'none'");
    } finally {
      await down.close();
    }
  });
});
