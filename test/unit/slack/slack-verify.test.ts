import { describe, expect, it } from "vitest";
import { MAX_CLOCK_SKEW_SECONDS, signatureOf, verifySlackRequest } from "../../../functions/slack/verify.js";

const secret = "8f742231b10e8888abcd99yyyzzz85a5";
const now = 1_700_000_000;
const body = "token=x&team_id=T1&command=%2Fsim&text=run+checkout";
const good = { signingSecret: secret, timestamp: String(now), signature: signatureOf(secret, String(now), body), body, nowSeconds: now };

describe("verifySlackRequest", () => {
  it("accepts a request signed with the secret over v0:timestamp:body", () => {
    expect(verifySlackRequest(good)).toEqual({ ok: true });
  });

  it("matches Slack's published example signature", () => {
    // https://api.slack.com/authentication/verifying-requests-from-slack (worked example)
    const exampleBody =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    expect(signatureOf("8f742231b10e8888abcd99yyyzzz85a5", "1531420618", exampleBody)).toBe(
      "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    );
  });


  it("accepts timestamps right at the five-minute edge, both ways", () => {
    for (const ts of [now - MAX_CLOCK_SKEW_SECONDS, now + MAX_CLOCK_SKEW_SECONDS]) {
      expect(verifySlackRequest({ ...good, timestamp: String(ts), signature: signatureOf(secret, String(ts), body) })).toEqual({ ok: true });
    }
  });

  it.each([
    ["a wrong secret", { signature: signatureOf("another-secret", String(now), body) }, "signature_mismatch"],
    ["a tampered body", { body: `${body}&extra=1` }, "signature_mismatch"],
    ["a body with one byte changed", { body: body.replace("checkout", "checkoux") }, "signature_mismatch"],
    ["a signature for another timestamp", { signature: signatureOf(secret, String(now - 1), body) }, "signature_mismatch"],
    ["a stale timestamp", { timestamp: String(now - MAX_CLOCK_SKEW_SECONDS - 1), signature: signatureOf(secret, String(now - 301), body) }, "stale_timestamp"],
    ["a future timestamp", { timestamp: String(now + MAX_CLOCK_SKEW_SECONDS + 1), signature: signatureOf(secret, String(now + 301), body) }, "future_timestamp"],
    ["a missing timestamp", { timestamp: undefined }, "missing_timestamp"],
    ["a null timestamp", { timestamp: null }, "missing_timestamp"],
    ["an empty timestamp", { timestamp: "" }, "missing_timestamp"],
    ["a non-numeric timestamp", { timestamp: "yesterday" }, "bad_timestamp"],
    ["a fractional timestamp", { timestamp: `${now}.5` }, "bad_timestamp"],
    ["a negative timestamp", { timestamp: `-${now}` }, "bad_timestamp"],
    ["a timestamp in milliseconds", { timestamp: String(now * 1000) }, "bad_timestamp"],
    ["a missing signature", { signature: undefined }, "missing_signature"],
    ["an empty signature", { signature: "" }, "missing_signature"],
    ["a v1 signature", { signature: good.signature.replace("v0=", "v1=") }, "bad_signature_version"],
    ["a signature without a version", { signature: good.signature.slice(3) }, "bad_signature_version"],
    ["a signature that is not hex", { signature: `v0=${"z".repeat(64)}` }, "malformed_signature"],
    ["a truncated signature", { signature: good.signature.slice(0, -2) }, "malformed_signature"],
    ["a signature with trailing junk", { signature: `${good.signature}=00` }, "malformed_signature"],
    ["a sha1-length signature", { signature: `v0=${"a".repeat(40)}` }, "malformed_signature"],
    ["no signing secret configured", { signingSecret: "" }, "no_signing_secret"],
    // As strict as Slack's SDKs, which compare the lower-case digest and nothing else.
    ["an upper-case digest", { signature: `v0=${good.signature.slice(3).toUpperCase()}` }, "malformed_signature"],
    ["a mixed-case digest", { signature: `v0=${good.signature.slice(3, 35)}${good.signature.slice(35).toUpperCase()}` }, "malformed_signature"],
    ["an upper-case version", { signature: good.signature.replace("v0=", "V0=") }, "bad_signature_version"],
    ["two signature headers (joined by a comma)", { signature: `${good.signature}, ${good.signature}` }, "malformed_signature"],
    ["a signature with surrounding spaces", { signature: ` ${good.signature} ` }, "bad_signature_version"],
    ["a signature with a trailing space", { signature: `${good.signature} ` }, "malformed_signature"],
    ["two timestamp headers (joined by a comma)", { timestamp: `${now}, ${now}` }, "bad_timestamp"],
    ["a timestamp with surrounding spaces", { timestamp: ` ${now} ` }, "bad_timestamp"],
  ])("rejects %s", (_name, change, reason) => {
    expect(verifySlackRequest({ ...good, ...change })).toEqual({ ok: false, reason });
  });

  it("signs the body as UTF-8 bytes", () => {
    const unicode = "text=caf%C3%A9+%E2%9C%93&raw=café ✓";
    const signature = signatureOf(secret, String(now), unicode);
    expect(verifySlackRequest({ ...good, body: unicode, signature })).toEqual({ ok: true });
    expect(verifySlackRequest({ ...good, body: unicode.normalize("NFD"), signature }).ok).toBe(false);
  });
});
