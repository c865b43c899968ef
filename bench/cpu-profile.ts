/** Where a child process's time went, from the CPU profile `node --cpu-prof` wrote for it. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Our own files by path, packages by name, node's internals and native calls by function. */
function placeOf(frame: CpuProfile["nodes"][number]["callFrame"]): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(frame.url)?.[1];
  if (pkg) return pkg;
  const ours = /\/((?:functions|bench|test)\/.*)$/.exec(frame.url)?.[1];
  if (ours) return ours;
  if (frame.url.startsWith("node:")) return frame.url;
  return frame.functionName || "(native)";
}

/** The main thread's profile in `dir` (node names it CPU.<date>.<time>.<pid>.<thread>.<seq>; thread 0 is main). */
function mainThreadProfile(dir: string): CpuProfile | undefined {
  const file = readdirSync(dir).find((name) => /\.\d+\.0\.\d+\.cpuprofile$/.test(name));
  return file === undefined ? undefined : (JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile);
}

/** "713 s wall: idle 654 s (92%), GC 4.1 s; most self time: openFileHandle 4.2 s, ..." */
export function profileSummary(dir: string, top = 8): string {
  const profile = mainThreadProfile(dir);
  if (!profile) return `no main-thread profile in ${dir}`;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byPlace = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const frame = frames.get(id);
    const place = frame ? placeOf(frame) : "(unknown)";
    byPlace.set(place, (byPlace.get(place) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const seconds = (us: number) => `${(us / 1e6).toFixed(1)} s`;
  const wall = profile.endTime - profile.startTime;
  const idle = byPlace.get("(idle)") ?? 0;
  byPlace.delete("(idle)");
  const busiest = [...byPlace.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return (
    `${seconds(wall)} wall: main thread idle (waiting) ${seconds(idle)} (${((100 * idle) / wall).toFixed(0)}%), busy ${seconds(wall - idle)}; ` +
    `most self time: ${busiest.map(([place, us]) => `${place} ${seconds(us)}`).join(", ")}`
  );
}
