/**
 * A Lambda handler bundled the way infra/constructs/simwatch-function.ts has the stack bundle
 * it (esbuild: minified, ESM with the require banner, module-first main fields, node22, an
 * external source map without sources, nothing external unless asked), and how long a fresh
 * node process takes to import the bundle.
 */
import { build, type Metafile } from "esbuild";
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ESM_REQUIRE_BANNER } from "../infra/constructs/simwatch-function.js";

export const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));

/** What to bundle: a file (a handler), or module source resolved from the repository root. */
export type BundleEntry = { path: string } | { source: string };

export interface LambdaBundle {
  file: string;
  bytes: number;
  sourceMapBytes: number;
  metafile: Metafile;
}

export async function bundleLambda(name: string, entry: BundleEntry, outDir: string, external: readonly string[] = []): Promise<LambdaBundle> {
  const file = join(outDir, `${name.replace(/[^\w-]+/g, "-")}.mjs`);
  const result = await build({
    ...("path" in entry ? { entryPoints: [entry.path] } : { stdin: { contents: entry.source, resolveDir: ROOT, sourcefile: `${name}.mjs`, loader: "js" as const } }),
    outfile: file,
    bundle: true,
    minify: true,
    format: "esm",
    platform: "node",
    target: "node22",
    banner: { js: ESM_REQUIRE_BANNER },
    mainFields: ["module", "main"],
    sourcemap: true,
    sourcesContent: false,
    external: [...external],
    absWorkingDir: ROOT,
    metafile: true,
    logLevel: "silent",
  });
  return { file, bytes: statSync(file).size, sourceMapBytes: statSync(`${file}.map`).size, metafile: result.metafile };
}

/**
 * Median wall time of importing `file` in a fresh node process (module evaluation included).
 * `sourceMaps`: with --enable-source-maps, as the stack sets NODE_OPTIONS for every function.
 */
export function coldImportMs(file: string, options: { sourceMaps: boolean; runs?: number; env?: Record<string, string> }): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(`file://${file}`)}); process.stdout.write(String(performance.now() - t)); process.exit(0);`;
  const times: number[] = [];
  for (let i = 0; i < (options.runs ?? 7); i++) {
    const out = execFileSync(process.execPath, [...(options.sourceMaps ? ["--enable-source-maps"] : []), "--input-type=module", "-e", script], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", AWS_REGION: "us-east-1", ...options.env },
      encoding: "utf8",
      timeout: 60_000,
    });
    times.push(Number(out));
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? Number.NaN;
}

/** The package an input belongs to (`@aws-sdk/client-s3`, `zod`), or `simwatch` for our own files. */
function packageOf(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input.replaceAll("\\", "/"));
  return match?.[1] ?? "simwatch";
}

/** Each input file of the code (not the source map) and the bytes it contributes. */
function inputsOf(bundle: LambdaBundle): [string, number][] {
  const code = Object.entries(bundle.metafile.outputs).find(([path]) => path.endsWith(".mjs"))?.[1];
  return Object.entries(code?.inputs ?? {}).map(([input, { bytesInOutput }]) => [input, bytesInOutput]);
}

/** The packages that contribute the most bytes to the bundle, largest first. */
export function largestPackages(bundle: LambdaBundle, top = 8): { name: string; bytes: number }[] {
  const byPackage = new Map<string, number>();
  for (const [input, bytesInOutput] of inputsOf(bundle)) {
    byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytesInOutput);
  }
  return [...byPackage.entries()]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top);
}

/** The single input files that contribute the most bytes, largest first. */
export function largestInputs(bundle: LambdaBundle, top = 5): { name: string; bytes: number }[] {
  return inputsOf(bundle)
    .map(([name, bytes]) => ({ name: name.replace(/^.*node_modules\//, ""), bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top);
}
