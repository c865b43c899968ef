/**
 * Where simwatch may send requests, as pure rules. Base URLs (Amigo, Slack) are https unless
 * they are on this machine; an artifact link from Amigo is https to a public host and carries
 * no credentials, so a link can never make the archiver read a file, the local network or the
 * Lambda runtime API on 127.0.0.1:9001. One exception, for local stand-ins: when Amigo itself
 * is plain http on loopback (the embedded simulator, the tests, a local Amigo whose links point
 * at an S3 stand-in such as LocalStack), plain http links to loopback hosts on any port are
 * accepted too.
 */

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function ipv4(hostname: string): number[] | undefined {
  const match = IPV4.exec(hostname);
  return match ? match.slice(1).map(Number) : undefined;
}

/** `localhost`, 127.0.0.0/8 or ::1 (URL hostnames: IPv6 in brackets, IPv4 already normalized). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost") || host === "[::1]") return true;
  return ipv4(host)?.[0] === 127;
}

/**
 * Loopback, private, link-local (cloud metadata), carrier-grade NAT, benchmarking, multicast,
 * reserved and unspecified addresses; for IPv6 also unique-local, link-local, multicast,
 * IPv4-mapped and NAT64 addresses (which can reach any of those).
 */
export function isLocalAddress(hostname: string): boolean {
  if (isLoopbackHost(hostname)) return true;
  const host = hostname.toLowerCase();
  const octets = ipv4(host);
  if (octets) {
    const [a = 0, b = 0, c = 0] = octets;
    return (
      a === 0 ||
      a === 10 ||
      (a === 100 && b >= 64 && b < 128) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b < 32) ||
      (a === 192 && b === 168) ||
      (a === 192 && b === 0 && c === 0) ||
      (a === 198 && (b === 18 || b === 19)) ||
      a >= 224
    );
  }
  if (!host.startsWith("[")) return false;
  const v6 = host.slice(1, -1);
  // Unspecified, unique-local (fc00::/7), link-local (fe80::/10), multicast (ff00::/8),
  // IPv4-mapped and -compatible, NAT64 (64:ff9b::/96).
  return v6 === "::" || /^f[cdf]/.test(v6) || /^fe[89ab]/.test(v6) || v6.startsWith("::ffff:") || /^::[0-9a-f]/.test(v6) || v6.startsWith("64:ff9b:");
}

/**
 * Why an artifact link's host must not be reached at `address`, an address its name resolved
 * to (refused names a public name pointing at this machine or a private network); undefined when
 * it may. `link` is the hop being fetched: a link the local stand-in rule accepts (plain http to
 * a loopback host with Amigo on loopback) may resolve to loopback.
 */
export function resolvedAddressProblem(link: string, address: string, amigoBaseUrl: string): string | undefined {
  const url = new URL(link);
  const host = address.includes(":") ? `[${address}]` : address;
  if (!isLocalAddress(host)) return undefined;
  if (url.protocol === "http:" && isLoopbackHost(url.hostname) && amigoIsLocal(amigoBaseUrl) && isLoopbackHost(host)) return undefined;
  return `host ${url.hostname} resolves to ${address}, an address on this machine or a private network`;
}

/** Why `value` cannot be a base URL simwatch sends credentials to; undefined when it can. */
export function baseUrlProblem(value: string): string | undefined {
  if (!URL.canParse(value)) return "is not a URL";
  const url = new URL(value);
  if (url.username !== "" || url.password !== "") return "must not carry a user name or password";
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:" && isLoopbackHost(url.hostname)) return undefined;
  return "must be an https:// URL (plain http only on this machine: localhost or 127.0.0.1)";
}

/** Amigo is plain http on loopback: a local stand-in, whose artifact links may be loopback http. */
export function amigoIsLocal(amigoBaseUrl: string): boolean {
  if (!URL.canParse(amigoBaseUrl)) return false;
  const amigo = new URL(amigoBaseUrl);
  return amigo.protocol === "http:" && isLoopbackHost(amigo.hostname);
}

/**
 * Why the archiver must not fetch `link` (an artifact link Amigo handed out, or a redirect
 * from one); undefined when it may. The reason names the scheme or host, never the path or
 * query, which carry the link's signature.
 */
export function artifactLinkProblem(link: string, amigoBaseUrl: string): string | undefined {
  if (!URL.canParse(link)) return "is not a URL";
  const url = new URL(link);
  if (url.username !== "" || url.password !== "") return "carries credentials";
  if (url.protocol === "http:" && isLoopbackHost(url.hostname) && amigoIsLocal(amigoBaseUrl)) return undefined;
  if (url.protocol !== "https:") return `uses ${url.protocol.replace(/:$/, "") || "no scheme"}, not https`;
  if (isLocalAddress(url.hostname)) return `points at ${url.host}, an address on this machine or a private network`;
  return undefined;
}
