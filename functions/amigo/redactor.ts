/**
 * Keeps secrets out of error messages and log lines: every known secret (API key,
 * tokens the client has held) is replaced wherever it appears, including in text the
 * server sent back, which may echo a header.
 */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string | undefined): void {
    // Very short values would redact innocent text; real keys and tokens are long.
    if (secret !== undefined && secret.length >= 6) this.secrets.add(secret);
  }

  text(value: string): string {
    let out = value;
    for (const secret of this.secrets) out = out.split(secret).join("[redacted]");
    return out;
  }

  /** Redacts every string inside a JSON-like value. */
  value<T>(value: T): T {
    if (typeof value === "string") return this.text(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.value(item)) as T;
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.value(item)])) as T;
    }
    return value;
  }
}
