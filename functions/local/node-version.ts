/**
 * The Node.js simwatch is built for: 22, what its Lambda functions run. It still runs on 20
 * (20.19 or later, package.json's engines), which left support in April 2026 and which AWS SDK
 * releases from January 2027 no longer accept.
 */
export const RECOMMENDED_NODE_MAJOR = 22;

/** One line for the terminal when `version` (process.version, e.g. "v20.20.2") is older than 22; else undefined. */
export function nodeVersionNotice(version: string): string | undefined {
  const major = Number.parseInt(/^v?(\d+)\./.exec(version)?.[1] ?? "", 10);
  if (!Number.isInteger(major) || major >= RECOMMENDED_NODE_MAJOR) return undefined;
  return (
    `Note: Node.js ${version} works, but use Node.js ${RECOMMENDED_NODE_MAJOR} (see .nvmrc): the Lambda functions run it, ` +
    `Node ${major} is past its end of life, and AWS SDK releases from January 2027 need ${RECOMMENDED_NODE_MAJOR}.`
  );
}

/**
 * On a Node.js older than 22, writes the notice and keeps the AWS SDK from printing its own
 * paragraph on the same (here and in the processes this one starts): once, in one line, is enough.
 */
export function noteNodeVersion(write: (line: string) => void, env: Record<string, string | undefined> = process.env, version = process.version): void {
  const notice = nodeVersionNotice(version);
  if (notice === undefined) return;
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  write(notice);
}
