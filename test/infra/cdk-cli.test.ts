/**
 * `npm run synth` as a user runs it: the CDK CLI, cdk.json's app, real esbuild bundles and both
 * nag packs. The CLI hands the app an account and region (from the profile, or us-east-1 when
 * nothing is configured), so this is where a finding that only a concrete environment exposes
 * shows; the in-process synths in nag.test.ts cover the same ground faster.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/paths.js";
import { run } from "../support/processes.js";

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/** `npm run synth` with `env` on top of a plain environment (no AWS profile or credentials). */
async function npmRunSynth(env: Record<string, string>): Promise<{ output: string; template: string }> {
  const outdir = mkdtempSync(path.join(tmpdir(), "simwatch-synth-"));
  outdirs.push(outdir);
  const { AWS_PROFILE: _profile, AWS_REGION: _region, AWS_DEFAULT_REGION: _defaultRegion, CDK_DEFAULT_ACCOUNT: _account, CDK_DEFAULT_REGION: _cdkRegion, ...inherited } = process.env;
  const output = await run("npm", ["run", "synth", "--", "-q", "-o", outdir], {
    timeoutMs: 170_000,
    cwd: REPO_ROOT,
    env: { ...inherited, HOME: outdir, CDK_DISABLE_CLI_TELEMETRY: "true", ...env },
  });
  return { output, template: readFileSync(path.join(outdir, "Simwatch.template.json"), "utf8") };
}

// Each synth bundles six handlers: side by side they take the time of one and a half.
describe.concurrent("npm run synth (the CDK CLI)", () => {
  it.each([
    // The CLI falls back to us-east-1 and passes it on.
    ["with nothing configured", {}, /arn:aws:scheduler:us-east-1:/],
    ["with a region and account configured", { CDK_DEFAULT_REGION: "eu-central-1", CDK_DEFAULT_ACCOUNT: "123456789012" }, /arn:aws:scheduler:[a-z0-9-]+:123456789012:/],
    ["with a profile's region in China (aws-cn)", { AWS_REGION: "cn-north-1", CDK_DEFAULT_ACCOUNT: "123456789012" }, /arn:aws-cn:scheduler:cn-north-1:123456789012:/],
  ])("succeeds %s, with no ERROR line", { timeout: 180_000 }, async (_name, env, scheduleArn) => {
    const { output, template } = await npmRunSynth(env);
    expect(output).not.toMatch(/ERROR|Synthesis finished with errors/);
    // A concrete environment reached the stack: the run-schedule grant spells it out.
    expect(template).toMatch(scheduleArn);
  });
});
