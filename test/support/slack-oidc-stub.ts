/**
 * A stand-in for Slack's OpenID Connect endpoints ("Sign in with Slack") on loopback, answering as
 * Slack documents them: discovery, authorize (here the person consents at once, as whoever the
 * test says is signed in to Slack), token (client_secret_post, each code once, the redirect_uri
 * checked), userInfo and the JWKS. id_tokens are RS256 JWTs signed with a key of its own (jose),
 * carrying Slack's team claim.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { closeLoopback, listenOnLoopback, requestBody } from "./loopback.js";

export interface SlackPerson {
  userId: string;
  teamId: string;
  name: string;
}

export interface SlackOidcStub {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Who is signed in to Slack in the browser: the next authorize consents as them. */
  signInAs(person: SlackPerson): void;
  /** Sign the next id_tokens with a key that is not in the JWKS (a forged token). */
  forgeSignatures(on: boolean): void;
  /** Requests by endpoint name. */
  readonly calls: string[];
  close(): Promise<void>;
}

interface Grant {
  clientId: string;
  redirectUri: string;
  nonce: string | undefined;
  person: SlackPerson;
}

export async function startSlackOidcStub(options: { clientId?: string; clientSecret?: string } = {}): Promise<SlackOidcStub> {
  const clientId = options.clientId ?? "1234.5678";
  const clientSecret = options.clientSecret ?? `stub-client-secret-${randomBytes(8).toString("hex")}`;
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const forger = await generateKeyPair("RS256");
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: "stub-key-1", alg: "RS256", use: "sig" };
  const grants = new Map<string, Grant>();
  const accessTokens = new Map<string, SlackPerson>();
  const calls: string[] = [];
  let person: SlackPerson = { userId: "U0SIGNEDIN", teamId: "T0ALLOWED", name: "Ada" };
  let forge = false;
  let issuer = "";

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };

  const idToken = async (grant: Grant) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      ...(grant.nonce ? { nonce: grant.nonce } : {}),
      "https://slack.com/user_id": grant.person.userId,
      "https://slack.com/team_id": grant.person.teamId,
      name: grant.person.name,
      auth_time: now,
    })
      .setProtectedHeader({ alg: "RS256", kid: "stub-key-1", typ: "JWT" })
      .setIssuer(issuer)
      .setSubject(grant.person.userId)
      .setAudience(grant.clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(forge ? forger.privateKey : privateKey);
  };

  const token = async (req: IncomingMessage, res: ServerResponse) => {
    const form = new URLSearchParams((await requestBody(req)).toString("utf8"));
    const code = form.get("code") ?? "";
    const grant = grants.get(code);
    grants.delete(code); // each code once
    if (form.get("client_id") !== clientId || form.get("client_secret") !== clientSecret) return json(res, 401, { ok: false, error: "invalid_client" });
    if (!grant || form.get("grant_type") !== "authorization_code") return json(res, 400, { ok: false, error: "invalid_grant" });
    if (form.get("redirect_uri") !== grant.redirectUri) return json(res, 400, { ok: false, error: "bad_redirect_uri" });
    const accessToken = `xoxp-stub-${randomBytes(8).toString("hex")}`;
    accessTokens.set(accessToken, grant.person);
    return json(res, 200, { ok: true, access_token: accessToken, token_type: "Bearer", id_token: await idToken(grant) });
  };

  const authorize = (url: URL, res: ServerResponse) => {
    const redirectUri = url.searchParams.get("redirect_uri") ?? "";
    if (url.searchParams.get("client_id") !== clientId || url.searchParams.get("response_type") !== "code" || !/\bopenid\b/.test(url.searchParams.get("scope") ?? "")) {
      return json(res, 400, { ok: false, error: "invalid_request" });
    }
    const code = `code-${randomBytes(12).toString("hex")}`;
    grants.set(code, { clientId, redirectUri, nonce: url.searchParams.get("nonce") ?? undefined, person });
    const back = new URL(redirectUri);
    back.searchParams.set("code", code);
    const state = url.searchParams.get("state");
    if (state !== null) back.searchParams.set("state", state);
    res.writeHead(302, { location: back.href });
    res.end();
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    const route = `${req.method} ${url.pathname}`;
    calls.push(route);
    if (route === "GET /.well-known/openid-configuration") {
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/openid/connect/authorize`,
        token_endpoint: `${issuer}/api/openid.connect.token`,
        userinfo_endpoint: `${issuer}/api/openid.connect.userInfo`,
        jwks_uri: `${issuer}/openid/connect/keys`,
        scopes_supported: ["openid", "profile", "email"],
        response_types_supported: ["code"],
        response_modes_supported: ["form_post"],
        grant_types_supported: ["authorization_code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        claims_supported: ["sub", "auth_time", "iss"],
        claims_parameter_supported: false,
        request_parameter_supported: false,
        request_uri_parameter_supported: true,
        token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
      });
    }
    if (route === "GET /openid/connect/authorize") return authorize(url, res);
    if (route === "POST /api/openid.connect.token") return void token(req, res).catch(() => json(res, 500, { ok: false }));
    if (route === "GET /api/openid.connect.userInfo" || route === "POST /api/openid.connect.userInfo") {
      const who = accessTokens.get((req.headers.authorization ?? "").replace(/^Bearer /, ""));
      if (!who) return json(res, 401, { ok: false, error: "invalid_auth" });
      return json(res, 200, { ok: true, sub: who.userId, "https://slack.com/user_id": who.userId, "https://slack.com/team_id": who.teamId, name: who.name });
    }
    if (route === "GET /openid/connect/keys") return json(res, 200, { keys: [jwk] });
    return json(res, 404, { ok: false, error: "unknown_method" });
  });
  const port = await listenOnLoopback(server);
  issuer = `http://127.0.0.1:${port}`;
  return {
    issuer,
    clientId,
    clientSecret,
    signInAs: (next) => void (person = next),
    forgeSignatures: (on) => void (forge = on),
    calls,
    close: () => closeLoopback(server),
  };
}
