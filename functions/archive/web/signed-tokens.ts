/**
 * The archive browser's own signed tokens, as compact JWTs (HS256, by `jose`) in its cookies: the
 * session (who signed in, from which workspace, until when) and the sign-in in flight (state,
 * nonce, where to go back to). Each kind has its own audience, so one cannot stand for the other;
 * the expiry is inside the signed token, so a cookie kept past it (or edited) is refused.
 */
import { createHash } from "node:crypto";
import { type JWTPayload, jwtVerify, SignJWT } from "jose";
import type { Clock } from "../../core/ports.js";

const ISSUER = "simwatch-archive-web";
export type TokenKind = "session" | "sign-in";

export class SignedTokens {
  private readonly key: Uint8Array;

  constructor(
    cookieKey: string,
    private readonly clock: Clock,
  ) {
    // A fixed-length HMAC key from the configured text (at least 32 characters, checked by config).
    this.key = createHash("sha256").update(`simwatch archive-web cookies\0${cookieKey}`).digest();
  }

  async sign(kind: TokenKind, claims: Record<string, string>, lifetimeSeconds: number): Promise<string> {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(ISSUER)
      .setAudience(`${ISSUER}:${kind}`)
      .setIssuedAt(now)
      .setExpirationTime(now + lifetimeSeconds)
      .sign(this.key);
  }

  /** The claims of a token of `kind` this key signed and that has not expired; undefined otherwise. */
  async verify(kind: TokenKind, token: string | undefined): Promise<JWTPayload | undefined> {
    if (token === undefined || token === "") return undefined;
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ["HS256"],
        issuer: ISSUER,
        audience: `${ISSUER}:${kind}`,
        currentDate: this.clock.now(),
        clockTolerance: 0,
        requiredClaims: ["exp", "iat"],
      });
      return payload;
    } catch {
      return undefined;
    }
  }
}
