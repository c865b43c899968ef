/**
 * A child process that does what the archiver does for one run's pages (the report, then the
 * indexes) on a folder archive, and SIGKILLs itself right after a chosen write: `KILL_AFTER` is
 * `<method>:<key suffix>`, e.g. `putText:/index.html` or `replace:head.json`, `KILL_AT` which
 * matching write (1 = the first).
 * Usage: node --import tsx test/support/pages-child.ts <archive-dir> <run number>
 */
import { FileSystemArchiveStore } from "../../functions/archive/fs-archive-store.js";
import { FileSystemStateStore } from "../../functions/archive/fs-state-store.js";
import { archivePages, pagesOptions } from "./pages-fixtures.js";

const [root = "", n = "0"] = process.argv.slice(2);
const [method = "", suffix = ""] = (process.env.KILL_AFTER ?? "").split(":");
let left = Number(process.env.KILL_AT ?? "1");

function dying<T extends object>(store: T): T {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        const result = await value.apply(target, args);
        if (property === method && String(args[0]).endsWith(suffix) && --left === 0) process.kill(process.pid, "SIGKILL");
        return result;
      };
    },
  });
}

const options = pagesOptions(dying(new FileSystemArchiveStore({ root })), dying(new FileSystemStateStore({ root })));
await archivePages(options, Number(n));
process.stdout.write("done\n");
