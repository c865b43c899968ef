import { describe, expect, it } from "vitest";
import { artifactLinkProblem, baseUrlProblem, isLocalAddress, isLoopbackHost, resolvedAddressProblem } from "../../../functions/core/outbound-urls.js";

describe("base URLs (AMIGO_API_URL, SLACK_API_URL)", () => {
  it.each([
    ["https://api.amigo.ai", undefined],
    ["https://slack.com/api/", undefined],
    ["http://127.0.0.1:4010", undefined],
    ["http://localhost:8080/api/", undefined],
    ["http://[::1]:9000", undefined],
    ["http://api.amigo.ai", "must be an https:// URL (plain http only on this machine: localhost or 127.0.0.1)"],
    ["http://10.0.0.5", "must be an https:// URL (plain http only on this machine: localhost or 127.0.0.1)"],
    ["ftp://api.amigo.ai", "must be an https:// URL (plain http only on this machine: localhost or 127.0.0.1)"],
    ["https://user:secret@api.amigo.ai", "must not carry a user name or password"],
    ["api.amigo.ai", "is not a URL"],
  ])("%s", (url, problem) => {
    expect(baseUrlProblem(url)).toBe(problem);
  });
});

describe("addresses", () => {
  it("knows loopback in its spellings, as URL hostnames are", () => {
    for (const url of ["http://127.0.0.1", "http://127.1.2.3", "http://2130706433", "http://0x7f000001", "http://[::1]", "http://localhost", "http://LOCALHOST."]) {
      expect(isLoopbackHost(new URL(url).hostname), url).toBe(true);
    }
    expect(isLoopbackHost("128.0.0.1")).toBe(false);
  });

  it("knows private, link-local and mapped addresses", () => {
    for (const url of [
      "https://10.1.2.3", "https://172.16.0.1", "https://192.168.1.1", "https://169.254.169.254", "https://100.64.0.1", "https://0.0.0.0",
      "https://192.0.0.8", "https://198.18.0.1", "https://224.0.0.1", "https://255.255.255.255",
      "https://[fd00::1]", "https://[fe80::1]", "https://[::ffff:127.0.0.1]", "https://[::127.0.0.1]", "https://[ff02::1]", "https://[64:ff9b::a9fe:a9fe]",
    ]) {
      expect(isLocalAddress(new URL(url).hostname), url).toBe(true);
    }
    for (const url of ["https://8.8.8.8", "https://172.32.0.1", "https://52.216.8.1", "https://198.20.0.1", "https://amigo-artifacts.s3.amazonaws.com", "https://[2600::1]"]) {
      expect(isLocalAddress(new URL(url).hostname), url).toBe(false);
    }
  });
});

describe("artifact links", () => {
  const amigo = "https://api.amigo.ai";
  const local = "http://127.0.0.1:4010";

  it.each([
    [amigo, "https://amigo-artifacts.s3.us-east-1.amazonaws.com/runs/x.zip?X-Amz-Signature=abc", undefined],
    [amigo, "http://amigo-artifacts.s3.amazonaws.com/x.zip", "uses http, not https"],
    [amigo, "file:///etc/passwd", "uses file, not https"],
    [amigo, "data:text/plain,hello", "uses data, not https"],
    [amigo, "ftp://example.com/x", "uses ftp, not https"],
    [amigo, "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next", "uses http, not https"],
    [amigo, "https://127.0.0.1:9001/2018-06-01/runtime/invocation/next", "points at 127.0.0.1:9001, an address on this machine or a private network"],
    [amigo, "https://169.254.169.254/latest/meta-data/", "points at 169.254.169.254, an address on this machine or a private network"],
    [amigo, "https://localhost/x", "points at localhost, an address on this machine or a private network"],
    [amigo, "https://user:pass@amigo-artifacts.s3.amazonaws.com/x.zip", "carries credentials"],
    [amigo, "not a url", "is not a URL"],
    // A local stand-in (the embedded simulator, the tests, LocalStack): Amigo on loopback http,
    // its links plain http to loopback hosts on any port.
    [local, "http://127.0.0.1:4010/_artifacts/k/artifacts.jsonl", undefined],
    [local, "http://127.0.0.1:4566/amigo-artifacts/runs/x.zip?X-Amz-Signature=abc", undefined],
    [local, "http://localhost:4566/amigo-artifacts/runs/x.zip", undefined],
    [local, "http://[::1]:9000/x.zip", undefined],
    ["http://localhost:8080/api/", "http://127.0.0.1:4566/x.zip", undefined],
    // Everything else as with Amigo in the cloud.
    [local, "http://amigo-artifacts.s3.amazonaws.com/x.zip", "uses http, not https"],
    [local, "http://10.0.0.8:4566/x.zip", "uses http, not https"],
    [local, "http://169.254.169.254/latest/meta-data/", "uses http, not https"],
    [local, "https://127.0.0.1:4566/x.zip", "points at 127.0.0.1:4566, an address on this machine or a private network"],
    [local, "file:///etc/passwd", "uses file, not https"],
    [local, "http://user:pass@127.0.0.1:4010/_artifacts/k", "carries credentials"],
    [local, "https://amigo-artifacts.s3.us-east-1.amazonaws.com/runs/x.zip", undefined],
    // Amigo on loopback https or on plain http elsewhere is not a local stand-in.
    ["https://127.0.0.1:4010", "http://127.0.0.1:4566/x.zip", "uses http, not https"],
  ])("with Amigo at %s: %s", (base, link, problem) => {
    expect(artifactLinkProblem(link, base)).toBe(problem);
  });

  it("never names the link's path or query, which carry its signature", () => {
    expect(artifactLinkProblem("http://s3.example/secret-path?X-Amz-Signature=s3cr3t", amigo)).not.toMatch(/secret|s3cr3t/);
    expect(artifactLinkProblem("https://10.0.0.1/secret-path?X-Amz-Signature=s3cr3t", amigo)).not.toMatch(/secret|s3cr3t/);
  });
});

describe("addresses an artifact link's host resolves to (#21)", () => {
  const amigo = "https://api.amigo.ai";
  const local = "http://127.0.0.1:4010";
  it.each([
    [amigo, "https://artifacts.amigo-cdn.example/x.zip", "52.216.8.1", undefined],
    [amigo, "https://artifacts.amigo-cdn.example/x.zip", "2600:1f18::1", undefined],
    [amigo, "https://artifacts.amigo-cdn.example/x.zip", "127.0.0.1", "host artifacts.amigo-cdn.example resolves to 127.0.0.1, an address on this machine or a private network"],
    [amigo, "https://artifacts.amigo-cdn.example/x.zip", "169.254.169.254", "host artifacts.amigo-cdn.example resolves to 169.254.169.254, an address on this machine or a private network"],
    [amigo, "https://artifacts.amigo-cdn.example/x.zip", "::1", "host artifacts.amigo-cdn.example resolves to ::1, an address on this machine or a private network"],
    [amigo, "https://artifacts.amigo-cdn.example/x.zip", "fd12::8", "host artifacts.amigo-cdn.example resolves to fd12::8, an address on this machine or a private network"],
    [amigo, "https://artifacts.amigo-cdn.example/x.zip", "::ffff:10.0.0.1", "host artifacts.amigo-cdn.example resolves to ::ffff:10.0.0.1, an address on this machine or a private network"],
    // The local stand-in rule: a loopback name may resolve to loopback, and only to loopback.
    [local, "http://localhost:4566/x.zip", "127.0.0.1", undefined],
    [local, "http://localhost:4566/x.zip", "::1", undefined],
    [local, "http://localhost:4566/x.zip", "10.0.0.8", "host localhost resolves to 10.0.0.8, an address on this machine or a private network"],
    [local, "https://artifacts.amigo-cdn.example/x.zip", "127.0.0.1", "host artifacts.amigo-cdn.example resolves to 127.0.0.1, an address on this machine or a private network"],
    [amigo, "http://localhost:4566/x.zip", "127.0.0.1", "host localhost resolves to 127.0.0.1, an address on this machine or a private network"],
  ])("with Amigo at %s: %s at %s", (base, link, address, problem) => {
    expect(resolvedAddressProblem(link, address, base)).toBe(problem);
  });
});
