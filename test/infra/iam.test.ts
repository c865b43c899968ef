import { beforeAll, describe, expect, it } from "vitest";
import type { SimwatchFunction } from "../../infra/constructs/simwatch-function.js";
import { type Synthesized, allIdentityStatements, asArray, permissionsOf, render, synth } from "./synth.js";

let s: Synthesized;
let ids: { bucket: string; bus: string; secret: string; signingSecret: string; archiveWebSecret: string };
beforeAll(() => {
  s = synth({ alarmEmail: "oncall@example.com" });
  const id = (c: { node: { defaultChild?: unknown } }) => s.stack.getLogicalId(c.node.defaultChild as Parameters<typeof s.stack.getLogicalId>[0]);
  ids = { bucket: id(s.stack.archive.bucket), bus: id(s.stack.events.bus), secret: "CredentialsF8F243AA", signingSecret: id(s.stack.signingSecret), archiveWebSecret: id(s.stack.archiveWebSecret) };
});

/** Permissions of a function's role, without logging, tracing and its own dead-letter queue. */
function grantsOf(f: SimwatchFunction): Record<string, string[]> {
  const roleId = s.stack.getLogicalId(f.role.node.defaultChild as Parameters<typeof s.stack.getLogicalId>[0]);
  const out: Record<string, string[]> = {};
  for (const [action, resources] of permissionsOf(s.json, roleId)) {
    if (/^(logs|xray|sqs):/.test(action)) continue;
    out[action] = [...resources].sort();
  }
  return out;
}

describe("IAM", () => {
  it("has no wildcard action on a wildcard resource, in any policy", () => {
    const statements = allIdentityStatements(s.json);
    expect(statements.length).toBeGreaterThan(10);
    for (const { where, statement } of statements) {
      const actions = asArray(statement.Action);
      const resources = asArray(statement.Resource as unknown).map(render);
      expect(actions, `${where} allows "*"`).not.toContain("*");
      if (resources.includes("*")) {
        for (const action of actions) expect(action, `${where}: ${action} on "*"`).not.toContain("*");
        // The only statements on "*" are X-Ray's, which has no resource-level permissions.
        expect(actions.every((a) => a.startsWith("xray:")), `${where}: ${actions.join(",")} on "*"`).toBe(true);
      }
    }
    // Resource policies too (bucket, queue, topic policies): no Allow of "*" actions to anyone.
    for (const resource of Object.values(s.json.Resources)) {
      const document = resource.Properties?.PolicyDocument as { Statement: { Effect: string; Action: unknown }[] } | undefined;
      if (!document || resource.Type.startsWith("AWS::IAM::")) continue;
      for (const st of document.Statement) if (st.Effect === "Allow") expect(asArray(st.Action as string)).not.toContain("*");
    }
  });

  it("attaches no managed policies (each function role has inline log permissions on its own group)", () => {
    for (const role of Object.values(s.template.findResources("AWS::IAM::Role"))) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    for (const f of Object.values(s.stack.functions)) {
      const roleId = s.stack.getLogicalId(f.role.node.defaultChild as Parameters<typeof s.stack.getLogicalId>[0]);
      const logGroupId = s.stack.getLogicalId(f.logGroup.node.defaultChild as Parameters<typeof s.stack.getLogicalId>[0]);
      const permissions = permissionsOf(s.json, roleId);
      expect([...permissions.get("logs:PutLogEvents")!]).toEqual([`${logGroupId}.Arn`]);
      expect([...permissions.get("logs:CreateLogStream")!]).toEqual([`${logGroupId}.Arn`]);
    }
  });

  const state = () => `${ids.bucket}.Arn/_simwatch/*`;
  const archive = () => `${ids.bucket}.Arn/runs/*`;
  const bucket = () => `${ids.bucket}.Arn`;

  // What each handler's code calls, walked by hand (docs/deploy.md#permissions-least-privilege), and nothing more.
  it("poller: state (deleting outbox entries once sent), PutEvents, the credentials secret", () => {
    expect(grantsOf(s.stack.functions.poller)).toEqual({
      "s3:ListBucket": [bucket()],
      "s3:GetObject": [state()],
      "s3:PutObject": [state()],
      "s3:DeleteObject": [state()],
      "events:PutEvents": [`${ids.bus}.Arn`],
      "secretsmanager:GetSecretValue": [ids.secret],
    });
  });

  it("archiver: put and abort multipart uploads in the archive prefix (never read or delete it), state, PutEvents, the credentials secret", () => {
    expect(grantsOf(s.stack.functions.archiver)).toEqual({
      "s3:ListBucket": [bucket()],
      "s3:GetObject": [state()],
      "s3:PutObject": [state(), archive()].sort(),
      "s3:DeleteObject": [state()],
      "s3:AbortMultipartUpload": [archive()],
      "events:PutEvents": [`${ids.bus}.Arn`],
      "secretsmanager:GetSecretValue": [ids.secret],
    });
  });

  it("notifier: state without deleting any, the credentials secret; it never reads the archive and emits no events", () => {
    expect(grantsOf(s.stack.functions.notifier)).toEqual({
      "s3:ListBucket": [bucket()],
      "s3:GetObject": [state()],
      "s3:PutObject": [state()],
      "secretsmanager:GetSecretValue": [ids.secret],
    });
  });

  it("command worker: state, reading the archive (download links), the credentials secret, schedules in its group and passing their role; it never publishes", () => {
    const schedules = `arn:AWS::Partition:scheduler:AWS::Region:AWS::AccountId:schedule/${s.stack.runSchedules.group.scheduleGroupName}/*`;
    const roleId = s.stack.getLogicalId(s.stack.runSchedules.role.node.defaultChild as Parameters<typeof s.stack.getLogicalId>[0]);
    expect(grantsOf(s.stack.functions.commandWorker)).toEqual({
      "s3:ListBucket": [bucket()],
      "s3:GetObject": [state(), archive()].sort(),
      "s3:PutObject": [state()],
      "s3:DeleteObject": [state()],
      "secretsmanager:GetSecretValue": [ids.secret],
      "scheduler:CreateSchedule": [schedules],
      "scheduler:UpdateSchedule": [schedules],
      "scheduler:DeleteSchedule": [schedules],
      "iam:PassRole": [`${roleId}.Arn`],
      "events:PutEvents": [`${ids.bus}.Arn`],
    });
    const workerRoleId = s.stack.getLogicalId(s.stack.functions.commandWorker.role.node.defaultChild as Parameters<typeof s.stack.getLogicalId>[0]);
    const passRole = allIdentityStatements(s.json).find(({ where, statement }) => where.startsWith(workerRoleId.replace(/[0-9A-F]{8}$/, "")) && asArray(statement.Action).includes("iam:PassRole"));
    expect(passRole?.statement.Condition).toEqual({ StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } });
  });

  it("the /sim schedule role may put events on the bus and write its dead-letter queue, only for the stack's schedules", () => {
    const roleId = s.stack.getLogicalId(s.stack.runSchedules.role.node.defaultChild as Parameters<typeof s.stack.getLogicalId>[0]);
    const permissions = Object.fromEntries([...permissionsOf(s.json, roleId)].map(([a, r]) => [a, [...r].sort()]));
    expect(permissions).toEqual({
      "events:PutEvents": [`${ids.bus}.Arn`],
      "sqs:SendMessage": [expect.stringMatching(/^RunSchedulesDeadLettersQueue\w+\.Arn$/)],
    });
    expect(s.json.Resources[roleId]!.Properties!.AssumeRolePolicyDocument).toMatchObject({
      Statement: [
        {
          Principal: { Service: "scheduler.amazonaws.com" },
          Condition: {
            StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
            ArnLike: { "aws:SourceArn": expect.anything() },
          },
        },
      ],
    });
    const sourceArn = render((s.json.Resources[roleId]!.Properties!.AssumeRolePolicyDocument as { Statement: { Condition: { ArnLike: Record<string, unknown> } }[] }).Statement[0]!.Condition.ArnLike["aws:SourceArn"]);
    expect(sourceArn).toContain(`:schedule/${s.stack.runSchedules.group.scheduleGroupName}/*`);
    expect(sourceArn).toContain(`${s.stack.getLogicalId(s.stack.runSchedules.group.node.defaultChild as Parameters<typeof s.stack.getLogicalId>[0])}.Arn`);
  });

  it("slack-http: PutEvents and its own secret, which holds the signing secret alone; no S3 at all", () => {
    expect(grantsOf(s.stack.functions.slackHttp)).toEqual({
      "events:PutEvents": [`${ids.bus}.Arn`],
      "secretsmanager:GetSecretValue": [ids.signingSecret],
    });
    expect(ids.signingSecret).not.toBe(ids.secret);
  });

  it("archive-web: GetObject under the archive prefix (not even a listing, nothing of state) and its own secret; nothing else", () => {
    expect(grantsOf(s.stack.functions.archiveWeb)).toEqual({
      "s3:GetObject": [archive()],
      "secretsmanager:GetSecretValue": [ids.archiveWebSecret],
    });
    expect(new Set([ids.secret, ids.signingSecret, ids.archiveWebSecret]).size).toBe(3);
  });

  it("only slack-http may read the signing secret, only archive-web its own, and each reads nothing else", () => {
    const own: Record<string, string> = { slackHttp: ids.signingSecret, archiveWeb: ids.archiveWebSecret };
    for (const [name, f] of Object.entries(s.stack.functions)) {
      expect(grantsOf(f)["secretsmanager:GetSecretValue"], name).toEqual([own[name] ?? ids.secret]);
    }
  });

  it("functions may only send to their own dead-letter queue (on-failure destination); slack-http and archive-web to none", () => {
    for (const [name, f] of Object.entries(s.stack.functions)) {
      const roleId = s.stack.getLogicalId(f.role.node.defaultChild as Parameters<typeof s.stack.getLogicalId>[0]);
      const queues = permissionsOf(s.json, roleId).get("sqs:SendMessage");
      if (name === "slackHttp" || name === "archiveWeb") expect(queues).toBeUndefined();
      else expect([...queues!]).toEqual([expect.stringMatching(new RegExp(`^${name}DeadLettersQueue\\w+\\.Arn$`, "i"))]);
    }
  });

  it("the scheduler's role may invoke the poller and write its dead-letter queue, nothing more", () => {
    const roleId = s.stack.getLogicalId(s.stack.node.findChild("PollSchedule").node.findChild("Role").node.defaultChild as Parameters<typeof s.stack.getLogicalId>[0]);
    const pollerId = s.stack.getLogicalId(s.stack.functions.poller.function.node.defaultChild as Parameters<typeof s.stack.getLogicalId>[0]);
    const permissions = Object.fromEntries([...permissionsOf(s.json, roleId)].map(([a, r]) => [a, [...r].sort()]));
    expect(permissions).toEqual({
      "lambda:InvokeFunction": [`${pollerId}.Arn`, `${pollerId}.Arn:*`],
      "sqs:SendMessage": [expect.stringMatching(/^PollerDeadLettersQueue\w+\.Arn$/)],
    });
    const role = s.json.Resources[roleId]!.Properties!;
    expect(role.AssumeRolePolicyDocument).toMatchObject({
      Statement: [{ Principal: { Service: "scheduler.amazonaws.com" }, Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } } }],
    });
  });
});
