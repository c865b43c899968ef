/**
 * Keys as paths under a root folder, for the filesystem stores. A key is a relative,
 * `/`-separated path that cannot leave the root; the suffixes the stores use for their
 * own temp and lock files are reserved, so listings never confuse them with keys.
 */
import { randomBytes } from "node:crypto";
import { join, resolve, sep } from "node:path";
import { isReservedName, TEMP_SUFFIX } from "../core/archiver/reserved-names.js";
import { InvalidKeyError } from "./errors.js";

export { isReservedName, LOCK_SUFFIX, TEMP_SUFFIX } from "../core/archiver/reserved-names.js";

/** The absolute path of `key` under `root`; throws InvalidKeyError for keys that are not plain relative paths. */
export function pathOfKey(root: string, key: string): string {
  if (key === "") throw new InvalidKeyError(key, "it is empty");
  if (key.includes("\0")) throw new InvalidKeyError(key, "it contains a NUL character");
  if (key.includes("\\")) throw new InvalidKeyError(key, "it contains a backslash");
  if (key.startsWith("/")) throw new InvalidKeyError(key, "it starts with /");
  const segments = key.split("/");
  if (segments.some((segment) => segment === "" || segment === "." || segment === "..")) {
    throw new InvalidKeyError(key, "it has an empty, . or .. segment");
  }
  if (segments.some(isReservedName)) throw new InvalidKeyError(key, "it uses a suffix reserved for temp and lock files");
  const absoluteRoot = resolve(root);
  const path = join(absoluteRoot, ...segments);
  if (!path.startsWith(absoluteRoot + sep)) throw new InvalidKeyError(key, "it leaves the root folder");
  return path;
}

/** A unique temp file beside `path`, so renaming it onto `path` is atomic. It names its writer's pid. */
export function tempPathBeside(path: string): string {
  return `${path}.${process.pid}-${randomBytes(6).toString("hex")}${TEMP_SUFFIX}`;
}

/** The pid of the process writing a temp file (named by tempPathBeside), if the name is one. */
export function writerPidOfTemp(name: string): number | undefined {
  const match = new RegExp(`\\.(\\d+)-[0-9a-f]{12}${TEMP_SUFFIX.replaceAll(".", "\\.")}$`).exec(name);
  return match ? Number(match[1]) : undefined;
}
