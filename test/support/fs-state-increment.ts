/**
 * A separate process for the filesystem state store's cross-process test: increments a
 * counter `times` times with read-modify-write (get, then replace at that version).
 * Usage: node --import tsx fs-state-increment.ts <root> <key> <times> <writer>
 */
import { FileSystemStateStore } from "../../functions/archive/fs-state-store.js";

interface Counter {
  count: number;
  writers: string[];
}

const [root, key, times, writer] = process.argv.slice(2);
if (!root || !key || !times || !writer) {
  process.stderr.write("usage: fs-state-increment.ts <root> <key> <times> <writer>\n");
  process.exit(2);
}
const store = new FileSystemStateStore({ root });
let retries = 0;
for (let i = 0; i < Number(times); i++) {
  for (;;) {
    const current = await store.get<Counter>(key);
    if (!current) throw new Error(`${key} is missing`);
    const next = { count: current.value.count + 1, writers: [...current.value.writers, `${writer}#${i}`] };
    if (await store.replace(key, next, current.etag)) break;
    retries++;
  }
}
process.stdout.write(`${JSON.stringify({ writer, retries })}\n`);
