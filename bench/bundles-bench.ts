/**
 * Every Lambda handler bundled as the stack bundles it (bench/lambda-bundle.ts): the size of
 * its code and source map, and the median cold import time in a fresh node process, with
 * --enable-source-maps as deployed and without. A bundle over 1 MB names what is in it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { HANDLER_NAMES, handlerEntry } from "../infra/paths.js";
import type { Say } from "./figures.js";
import { bundleLambda, coldImportMs, largestInputs, largestPackages, type LambdaBundle, ROOT } from "./lambda-bundle.js";

const MB = 1024 * 1024;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (value: number) => `${value.toFixed(0)} ms`;

function whyLarge(say: Say, bundle: LambdaBundle): void {
  const packages = largestPackages(bundle);
  const sdk = packages.filter(({ name }) => name.startsWith("@aws-sdk/") || name.startsWith("@smithy/") || name.startsWith("@aws-crypto/"));
  const sdkBytes = sdk.reduce((sum, { bytes }) => sum + bytes, 0);
  say(`      over 1 MB: the largest packages in it (bytes in the minified output):`);
  for (const { name, bytes } of packages) say(`        ${name.padEnd(34)} ${kb(bytes).padStart(10)}  ${((100 * bytes) / bundle.bytes).toFixed(0).padStart(3)}%`);
  say(`      largest single files: ${largestInputs(bundle).map(({ name, bytes }) => `${name} ${kb(bytes)}`).join(", ")}`);
  if (sdkBytes > 0) {
    say(`      of the top packages, the AWS SDK (@aws-sdk/*, @smithy/*, @aws-crypto/*) is ${kb(sdkBytes)}: the stack bundles it on purpose (externalModules: []), so Lambda runs the SDK version the tests ran against`);
  }
}

export async function runBundlesBench(say: Say): Promise<void> {
  const dir = mkdtempSync(join(ROOT, ".bench-bundles-"));
  try {
    say("Lambda bundles as the stack builds them (esbuild, minified ESM, require banner, mainFields module,main, node22, source map without sources, nothing external);");
    say("cold import = median of 7 fresh `node` processes importing the bundle (module evaluation included):");
    say(`  ${"handler".padEnd(16)} ${"code".padStart(10)} ${"source map".padStart(11)}   import --enable-source-maps (deployed) / without`);
    for (const name of HANDLER_NAMES) {
      const bundle = await bundleLambda(name, { path: handlerEntry(name) }, dir);
      const deployed = coldImportMs(bundle.file, { sourceMaps: true });
      const plain = coldImportMs(bundle.file, { sourceMaps: false });
      say(`  ${name.padEnd(16)} ${kb(bundle.bytes).padStart(10)} ${kb(bundle.sourceMapBytes).padStart(11)}   ${ms(deployed).padStart(7)} / ${ms(plain)}`);
      if (bundle.bytes > MB) whyLarge(say, bundle);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
