/** Where the repository's files are, independent of the directory `cdk` runs in. */
import { fileURLToPath } from "node:url";
import path from "node:path";

export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const HANDLERS_DIR = path.join(REPO_ROOT, "functions", "handlers");
export const LOCK_FILE = path.join(REPO_ROOT, "package-lock.json");

/** The six Lambda entry points, each `functions/handlers/<name>.ts` exporting `handler`. */
export const HANDLER_NAMES = ["poller", "archiver", "notifier", "command-worker", "slack-http", "archive-web"] as const;
export type HandlerName = (typeof HANDLER_NAMES)[number];

export const handlerEntry = (name: HandlerName): string => path.join(HANDLERS_DIR, `${name}.ts`);
