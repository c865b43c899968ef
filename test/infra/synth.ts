/**
 * Synthesizes SimwatchStack the way `npm run synth` does: with cdk.json's context (feature
 * flags included, since `new App()` in a test does not read cdk.json), plus overrides.
 * Bundling is skipped unless asked for, so a synth takes a fraction of a second.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { REPO_ROOT } from "../../infra/paths.js";
import { settingsFromContext } from "../../infra/settings.js";
import { SimwatchStack } from "../../infra/simwatch-stack.js";

export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, "cdk.json"), "utf8")) as { context: Record<string, unknown> };
  return cdkJson.context;
}

export interface Synthesized {
  app: App;
  stack: SimwatchStack;
  template: Template;
  json: TemplateJson;
}

export interface TemplateJson {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; [key: string]: unknown }>;
  Outputs?: Record<string, { Value: unknown; Description?: string }>;
}

export interface SynthOptions {
  /** Really bundle the handlers with esbuild (about a second). */
  bundle?: boolean;
  /** Run aws-cdk-lib's built-in CloudFormation validation rules, as `npm run synth` does (about 2 s). */
  validate?: boolean;
  outdir?: string;
  /** The stack's account and region, as `cdk synth` passes them from CDK_DEFAULT_*; none = environment-agnostic. */
  env?: { account: string; region: string };
}

export function synth(context: Record<string, unknown> = {}, options: SynthOptions = {}): Synthesized {
  const app = new App({
    context: {
      ...cdkJsonContext(),
      ...(options.bundle ? {} : { "aws:cdk:bundling-stacks": [] }),
      ...(options.validate ? {} : { "@aws-cdk/core:validateAgainstDefaultRules": false }),
      ...context,
    },
    ...(options.outdir ? { outdir: options.outdir } : {}),
  });
  const stack = new SimwatchStack(app, "Simwatch", { settings: settingsFromContext(app.node), ...(options.env ? { env: options.env } : {}) });
  const template = Template.fromStack(stack);
  return { app, stack, template, json: template.toJSON() as TemplateJson };
}

/** Flattens a CloudFormation value to text: {"Fn::GetAtt":["X","Arn"]} -> "X.Arn", Ref -> id, Fn::Join joined. */
export function render(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(render).join(",");
  if (value && typeof value === "object") {
    const v = value as Record<string, unknown>;
    if ("Ref" in v) return String(v.Ref);
    if ("Fn::GetAtt" in v) return (v["Fn::GetAtt"] as string[]).join(".");
    if ("Fn::Join" in v) {
      const [sep, parts] = v["Fn::Join"] as [string, unknown[]];
      return parts.map(render).join(sep);
    }
  }
  return JSON.stringify(value);
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Condition?: unknown;
}

export const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** Every statement of every identity policy in the template, with where it came from. */
export function allIdentityStatements(json: TemplateJson): { where: string; statement: Statement }[] {
  const out: { where: string; statement: Statement }[] = [];
  for (const [id, resource] of Object.entries(json.Resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type === "AWS::IAM::Policy" || resource.Type === "AWS::IAM::ManagedPolicy") {
      for (const statement of (props.PolicyDocument as { Statement: Statement[] }).Statement) out.push({ where: id, statement });
    }
    if (resource.Type === "AWS::IAM::Role") {
      for (const policy of asArray(props.Policies as { PolicyDocument: { Statement: Statement[] } }[] | undefined)) {
        for (const statement of policy.PolicyDocument.Statement) out.push({ where: id, statement });
      }
    }
  }
  return out;
}

/** What one role may do: action -> rendered resources, over its inline and attached policies. */
export function permissionsOf(json: TemplateJson, roleLogicalId: string): Map<string, Set<string>> {
  const statements: Statement[] = [];
  for (const resource of Object.values(json.Resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type === "AWS::IAM::Policy") {
      const roles = asArray(props.Roles as unknown[]).map(render);
      if (roles.includes(roleLogicalId)) statements.push(...(props.PolicyDocument as { Statement: Statement[] }).Statement);
    }
  }
  const role = json.Resources[roleLogicalId];
  for (const policy of asArray(role?.Properties?.Policies as { PolicyDocument: { Statement: Statement[] } }[] | undefined)) {
    statements.push(...policy.PolicyDocument.Statement);
  }
  const permissions = new Map<string, Set<string>>();
  for (const statement of statements) {
    if (statement.Effect !== "Allow") continue;
    for (const action of asArray(statement.Action)) {
      const set = permissions.get(action) ?? new Set<string>();
      for (const resource of asArray(statement.Resource as unknown)) set.add(render(resource));
      permissions.set(action, set);
    }
  }
  return permissions;
}
