/**
 * The shape of functions/ as DESIGN.md gives it, checked on the import graph itself: no
 * circular import anywhere (type-only imports included: a cycle of types is still two files
 * that cannot be read apart), and core importing nothing from the adapters.
 */
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/paths.js";

const FUNCTIONS = path.join(REPO_ROOT, "functions");
const SPECIFIER = /(?:^|[\s;])(?:import|export)\s[^"';]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^import\s*["']([^"']+)["']/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

/** file -> the files of functions/ it imports (relative specifiers, `.js` read as the `.ts` beside it). */
function importGraph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets: string[] = [];
    for (const match of readFileSync(file, "utf8").matchAll(SPECIFIER)) {
      const specifier = match[1] ?? match[2] ?? match[3]!;
      if (!specifier.startsWith(".")) continue;
      const target = path.resolve(path.dirname(file), specifier).replace(/\.js$/, ".ts");
      if (known.has(target)) targets.push(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

/** Every strongly connected component of more than one file, or a file importing itself (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

const relative = (file: string) => path.relative(FUNCTIONS, file);

describe("functions/ import graph", () => {
  const graph = importGraph(sourceFiles(FUNCTIONS));

  it("reads the imports it checks (relative, type-only and dynamic ones)", () => {
    expect(graph.size).toBeGreaterThan(100);
    const poll = graph.get(path.join(FUNCTIONS, "core/poller/poll.ts"))!.map(relative);
    expect(poll).toEqual(expect.arrayContaining(["core/ports.ts", "core/idempotency/outbox.ts"]));
    // A side-effect import counts too: the zod locale is imported for its effect alone.
    expect([...graph.values()].flat().map(relative)).toContain("core/util/zod-locale.ts");
  });

  it("has no circular import", () => {
    expect(cycles(graph).map((component) => component.map(relative).join(" -> "))).toEqual([]);
  });

  it("finds a cycle when there is one", () => {
    const a = "/x/a.ts";
    const b = "/x/b.ts";
    const c = "/x/c.ts";
    expect(cycles(new Map([[a, [b]], [b, [c]], [c, [a]]]))).toEqual([[a, b, c]]);
    expect(cycles(new Map([[a, [b]], [b, []], [c, [c]]]))).toEqual([[c]]);
  });

  it("keeps core free of adapters: core imports only core", () => {
    const core = path.join(FUNCTIONS, "core") + path.sep;
    const outside = [...graph]
      .filter(([file]) => file.startsWith(core))
      .flatMap(([file, targets]) => targets.filter((target) => !target.startsWith(core)).map((target) => `${relative(file)} -> ${relative(target)}`));
    expect(outside).toEqual([]);
  });
});
