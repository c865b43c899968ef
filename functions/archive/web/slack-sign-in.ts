/**
 * Sign in with Slack (OpenID Connect on simwatch's own Slack app) in front of the archive browser
 * in AWS. The protocol is `openid-client`'s: discovery, the authorization URL, the code exchange
 * with the state and nonce checked, and the id_token's signature checked against Slack's keys
 * (enableNonRepudiationChecks), then userInfo for the person's name. simwatch decides only who may
 * read (core/archive-browser/sign-in-rules.ts: the workspaces of SLACK_TEAM_ID) and keeps the
 * session in a signed, HttpOnly, Secure, SameSite=Lax cookie of at most 12 hours.
 *   GET /auth/login?next=/archive/...   to Slack, with a fresh state and nonce in a sign-in cookie
 *   GET /auth/callback                  back from Slack: checked, then the session cookie
 *   GET /auth/logout                    the session cookie removed
 * A state is good once: the sign-in cookie is removed when used, and this process remembers the
 * states it has seen until they expire (and Slack takes each code once).
 */
import { Hono, type MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import * as oidc from "openid-client";
import {
  identityOf,
  SESSION_MAX_SECONDS,
  SIGN_IN_WINDOW_SECONDS,
  safeNext,
  type SlackIdentityClaims,
  workspaceAllowed,
} from "../../core/archive-browser/sign-in-rules.js";
import type { AccessPolicy } from "../../core/commands/access.js";
import { errorFields, type Logger, silentLogger } from "../../core/log.js";
import { type Clock, systemClock } from "../../core/ports.js";
import { ARCHIVE_BASE_PATH, pageHtml, securityHeaders } from "./archive-browser.js";
import { SignedTokens } from "./signed-tokens.js";

export const SIGN_IN_PATHS = { login: "/auth/login", callback: "/auth/callback", logout: "/auth/logout" } as const;
/** `__Host-` cookies: Secure, Path=/, no Domain, so no other site or path can set or read them. */
const SESSION_COOKIE = "simwatch_session";
const SIGN_IN_COOKIE = "simwatch_sign_in";
const COOKIE = { path: "/", httpOnly: true, secure: true, sameSite: "Lax", prefix: "host" } as const;

export interface SlackSignInOptions {
  clientId: string;
  clientSecret: string;
  /** ARCHIVE_WEB_COOKIE_KEY: signs the cookies. */
  cookieKey: string;
  /** SLACK_OIDC_ISSUER: `https://slack.com`, or a stand-in on loopback (tests). */
  issuer: string;
  /** Who may read: the workspaces of SLACK_TEAM_ID (never empty in AWS; the handler checks). */
  access: AccessPolicy;
  clock?: Clock;
  log?: Logger;
}

export interface SlackSignIn {
  /** The /auth/* routes. */
  routes: Hono;
  /** Lets a request with a valid session through; sends anyone else to sign in. */
  guard: MiddlewareHandler;
}

/** The server's metadata, discovered once per process (again after a failure). */
function discoverer(options: SlackSignInOptions): () => Promise<oidc.Configuration> {
  let discovered: Promise<oidc.Configuration> | undefined;
  const issuer = new URL(options.issuer);
  const execute = [oidc.enableNonRepudiationChecks, ...(issuer.protocol === "http:" ? [oidc.allowInsecureRequests] : [])];
  return () => {
    discovered ??= oidc.discovery(issuer, options.clientId, undefined, oidc.ClientSecretPost(options.clientSecret), { execute });
    discovered.catch(() => {
      discovered = undefined;
    });
    return discovered;
  };
}

/** States already used, until their sign-in window ends. */
class SeenStates {
  private readonly seen = new Map<string, number>();
  constructor(private readonly clock: Clock) {}
  /** True the first time `state` is offered, false after. */
  firstUse(state: string): boolean {
    const now = this.clock.now().getTime();
    for (const [known, until] of this.seen) if (until < now) this.seen.delete(known);
    if (this.seen.has(state)) return false;
    this.seen.set(state, now + SIGN_IN_WINDOW_SECONDS * 1000);
    return true;
  }
}

const callbackUrl = (requestUrl: string) => new URL(SIGN_IN_PATHS.callback, new URL(requestUrl).origin);

const refusal = (title: string, text: string) => pageHtml(title, `<p>${text}</p><p><a href="${SIGN_IN_PATHS.login}">Sign in with Slack again</a></p>`);

export function slackSignIn(options: SlackSignInOptions): SlackSignIn {
  const log = options.log ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const tokens = new SignedTokens(options.cookieKey, clock);
  const discovered = discoverer(options);
  const states = new SeenStates(clock);
  const routes = new Hono();
  routes.use("/auth/*", securityHeaders);

  routes.get(SIGN_IN_PATHS.login, async (c) => {
    const config = await discovered();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const next = safeNext(c.req.query("next"), ARCHIVE_BASE_PATH);
    setCookie(c, SIGN_IN_COOKIE, await tokens.sign("sign-in", { state, nonce, next }, SIGN_IN_WINDOW_SECONDS), { ...COOKIE, maxAge: SIGN_IN_WINDOW_SECONDS });
    const workspaces = options.access.workspaces;
    const to = oidc.buildAuthorizationUrl(config, {
      redirect_uri: callbackUrl(c.req.url).href,
      scope: "openid profile",
      state,
      nonce,
      // One workspace allowed: Slack opens its sign-in page on that one.
      ...(workspaces.length === 1 && workspaces[0]!.startsWith("T") ? { team: workspaces[0]! } : {}),
    });
    return c.redirect(to.href, 302);
  });

  routes.get(SIGN_IN_PATHS.callback, async (c) => {
    const pending = await tokens.verify("sign-in", getCookie(c, SIGN_IN_COOKIE, "host"));
    deleteCookie(c, SIGN_IN_COOKIE, { ...COOKIE });
    const state = c.req.query("state");
    const expected = typeof pending?.state === "string" ? pending.state : undefined;
    if (!pending || expected === undefined || state !== expected || !states.firstUse(expected)) {
      log.warn("archive_web.sign_in_refused", { reason: !pending ? "no sign-in in progress" : "state" });
      return c.html(refusal("Sign-in expired", "This sign-in has expired or was already used."), 400);
    }
    let identity: SlackIdentityClaims | undefined;
    let name: string | undefined;
    try {
      const config = await discovered();
      const url = callbackUrl(c.req.url);
      url.search = new URL(c.req.url).search;
      const grant = await oidc.authorizationCodeGrant(config, url, { expectedState: expected, expectedNonce: String(pending.nonce), idTokenExpected: true });
      identity = identityOf(grant.claims() ?? {});
      if (identity) name = await userName(config, grant.access_token, identity.sub);
    } catch (error) {
      log.warn("archive_web.sign_in_failed", errorFields(error));
      return c.html(refusal("Sign-in failed", "Slack did not confirm who you are."), 400);
    }
    if (!identity || !workspaceAllowed(options.access, identity)) {
      log.warn("archive_web.sign_in_refused", { reason: "workspace", teamId: identity?.teamId });
      return c.html(refusal("Not your archive", "This archive is open to the members of its own Slack workspace only, and you signed in with another one."), 403);
    }
    const session = { sub: identity.sub, ...(identity.teamId ? { team: identity.teamId } : {}), ...(identity.enterpriseId ? { enterprise: identity.enterpriseId } : {}), ...(name ? { name } : {}) };
    setCookie(c, SESSION_COOKIE, await tokens.sign("session", session, SESSION_MAX_SECONDS), { ...COOKIE, maxAge: SESSION_MAX_SECONDS });
    log.info("archive_web.signed_in", { userId: identity.sub, teamId: identity.teamId });
    return c.redirect(safeNext(String(pending.next), ARCHIVE_BASE_PATH), 303);
  });

  routes.get(SIGN_IN_PATHS.logout, (c) => {
    deleteCookie(c, SESSION_COOKIE, { ...COOKIE });
    return c.html(pageHtml("Signed out", `<p>You are signed out of the archive.</p><p><a href="${ARCHIVE_BASE_PATH}/">Sign in again</a></p>`));
  });

  const guard: MiddlewareHandler = async (c, next) => {
    const session = await tokens.verify("session", getCookie(c, SESSION_COOKIE, "host"));
    const identity = session ? identityOf({ sub: session.sub, "https://slack.com/team_id": session.team, "https://slack.com/enterprise_id": session.enterprise }) : undefined;
    // The workspaces are checked again: a session outlives no change to SLACK_TEAM_ID.
    if (identity && workspaceAllowed(options.access, identity)) return next();
    const { pathname, search } = new URL(c.req.url);
    c.header("Cache-Control", "no-store");
    return c.redirect(`${SIGN_IN_PATHS.login}?next=${encodeURIComponent(`${pathname}${search}`)}`, 302);
  };

  return { routes, guard };
}

/** The person's name from userInfo, for the logs; the id_token's claims decide everything else. */
async function userName(config: oidc.Configuration, accessToken: string, sub: string): Promise<string | undefined> {
  const info = await oidc.fetchUserInfo(config, accessToken, sub);
  return typeof info.name === "string" ? info.name : undefined;
}
