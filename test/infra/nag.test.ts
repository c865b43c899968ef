import { Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks, ServerlessChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { describe, expect, it } from "vitest";
import type { SimwatchFunction } from "../../infra/constructs/simwatch-function.js";
import { type Synthesized, permissionsOf, synth } from "./synth.js";

/** Every acknowledgement in the tree: rule id, where, and why. */
function acknowledgements(root: IConstruct): { id: string; path: string; reason: string }[] {
  const out: { id: string; path: string; reason: string }[] = [];
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [key, reason] of Object.entries(entry.data as Record<string, string>)) {
        out.push({ id: key.replace(/^annotation::/i, ""), path: construct.node.path, reason });
      }
    }
  }
  return out;
}

const packs = () => [new AwsSolutionsChecks(), new ServerlessChecks()];

function unacknowledgedFindings(synthesized: Synthesized): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const pack of packs()) {
    out[pack.readPackName] = pack
      .validateScope(synthesized.app)
      .violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(", ")}`);
  }
  return out;
}

/**
 * Where a deploy's account and region end up: `cdk synth` passes CDK_DEFAULT_ACCOUNT and
 * CDK_DEFAULT_REGION to the stack, and the partition follows from the region.
 */
const ENVIRONMENTS = [
  { name: "environment-agnostic", env: undefined, partition: undefined },
  { name: "aws, eu-central-1", env: { account: "123456789012", region: "eu-central-1" }, partition: "aws" },
  { name: "aws-cn, cn-north-1", env: { account: "123456789012", region: "cn-north-1" }, partition: "aws-cn" },
] as const;

/** Every function role's grants, with the environment's literals written as the agnostic synth's pseudo parameters. */
function grantsByFunction(synthesized: Synthesized, environment: (typeof ENVIRONMENTS)[number]): Record<string, Record<string, string[]>> {
  const asAgnostic = (resource: string) =>
    environment.env === undefined
      ? resource
      : resource
          .replace(`arn:${environment.partition}:`, "arn:AWS::Partition:")
          .replace(`:${environment.env.region}:`, ":AWS::Region:")
          .replace(`:${environment.env.account}:`, ":AWS::AccountId:");
  const out: Record<string, Record<string, string[]>> = {};
  for (const [name, f] of Object.entries(synthesized.stack.functions) as [string, SimwatchFunction][]) {
    const roleId = synthesized.stack.getLogicalId(f.role.node.defaultChild as Parameters<Synthesized["stack"]["getLogicalId"]>[0]);
    out[name] = Object.fromEntries([...permissionsOf(synthesized.json, roleId)].map(([action, resources]) => [action, [...resources].map(asAgnostic).sort()]));
  }
  return out;
}

describe("cdk-nag 3", () => {
  it.each([
    ["defaults", {}],
    ["alarm email, channels and users", { alarmEmail: "oncall@example.com", defaultChannel: "C0DEFAULT", allowedUsers: "U1AA" }],
  ])("AwsSolutions and Serverless find nothing unacknowledged (%s)", (_name, context) => {
    const { app } = synth(context);
    for (const pack of packs()) {
      const report = pack.validateScope(app);
      const findings = report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(", ")}`);
      expect(findings, pack.readPackName).toEqual([]);
    }
  });

  it("is clean in every environment a deploy synthesizes for, with the same grants", () => {
    const grants = ENVIRONMENTS.map((environment) => {
      const synthesized = synth({}, environment.env ? { env: environment.env } : {});
      expect(unacknowledgedFindings(synthesized), environment.name).toEqual({ AwsSolutions: [], Serverless: [] });
      return grantsByFunction(synthesized, environment);
    });
    // The scheduler grant is where the environment shows: a literal partition and region, or pseudo parameters.
    expect(grants[0]!.commandWorker!["scheduler:CreateSchedule"]).toEqual([
      expect.stringMatching(/^arn:AWS::Partition:scheduler:AWS::Region:AWS::AccountId:schedule\/Simwatch-RunSchedules-Group-\w+\/\*$/),
    ]);
    expect(grants[1]).toEqual(grants[0]);
    expect(grants[2]).toEqual(grants[0]);
  });

  it("acknowledges each finding on the construct it concerns, with a specific reason", () => {
    const { app } = synth({ alarmEmail: "oncall@example.com" });
    const acks = acknowledgements(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id, ack.path).toMatch(/^(AwsSolutions|Serverless)-[A-Za-z0-9]+(\[.+\])?$/);
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThan(60);
      expect(ack.path, `${ack.id} is acknowledged for the whole app or stack`).toMatch(/^Simwatch\/.+/);
    }
    // The full list, so a new acknowledgement is a deliberate change to this test.
    expect([...new Set(acks.map((a) => a.id.replace(/<[^>]+>/g, "<id>")))].sort()).toEqual(
      [
        "AwsSolutions-IAM5[Resource::*]",
        "AwsSolutions-IAM5[Resource::<id>/_simwatch/*]",
        "AwsSolutions-IAM5[Resource::<id>/runs/*]",
        "AwsSolutions-IAM5[Resource::<id>:*]",
        "AwsSolutions-IAM5[Resource::arn:<id>:scheduler:<id>:<id>:schedule/Simwatch-RunSchedules-Group-573FBAFE/*]",
        "AwsSolutions-L1",
        "AwsSolutions-SMG4",
        "AwsSolutions-SNS2",
        "AwsSolutions-SQS3",
        "Serverless-LambdaDLQ",
        "Serverless-LambdaLatestVersion",
        "Serverless-SNSRedrivePolicy",
        "Serverless-SQSRedrivePolicy",
      ].sort(),
    );
  });

  it("is not vacuous: an unprotected queue added to the stack is reported", async () => {
    const { Queue, QueueEncryption } = await import("aws-cdk-lib/aws-sqs");
    const { app, stack } = synth();
    new Queue(stack, "Unprotected", { encryption: QueueEncryption.UNENCRYPTED });
    const rules = new AwsSolutionsChecks().validateScope(app).violations.map((v) => v.ruleName);
    expect(rules).toEqual(expect.arrayContaining(["AwsSolutions-SQS2", "AwsSolutions-SQS3", "AwsSolutions-SQS4"]));
  });
});
