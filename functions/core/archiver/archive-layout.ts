/** The artifact file's extension: from its Content-Type, else from the URL path, else .bin. */
const BY_CONTENT_TYPE: Record<string, string> = {
  "application/zip": ".zip",
  "application/x-zip-compressed": ".zip",
  "application/gzip": ".gz",
  "application/x-gzip": ".gz",
  "application/x-tar": ".tar",
  "application/json": ".json",
  "application/x-ndjson": ".jsonl",
  "application/jsonl": ".jsonl",
  "application/x-jsonlines": ".jsonl",
  "text/csv": ".csv",
  "text/plain": ".txt",
  "application/pdf": ".pdf",
  "text/html": ".html",
};

const KNOWN_SUFFIXES = [".tar.gz", ".jsonl", ".ndjson", ".json", ".zip", ".gz", ".tar", ".csv", ".txt", ".parquet", ".pdf", ".html"];

export function artifactExtension(contentType: string | undefined, url: string): string {
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase();
  const fromType = mediaType ? BY_CONTENT_TYPE[mediaType] : undefined;
  if (fromType) return fromType;
  let path = "";
  try {
    path = new URL(url).pathname.toLowerCase();
  } catch {
    path = "";
  }
  const suffix = KNOWN_SUFFIXES.find((candidate) => path.endsWith(candidate));
  if (suffix === ".ndjson") return ".jsonl";
  return suffix ?? ".bin";
}
