import { Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks, ServerlessChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { describe, expect, it } from "vitest";
import { synth } from "./synth.js";

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
