import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { DETAIL_TYPES } from "../../functions/core/events.js";
import { EXPIRING_STATE_PREFIXES, stateKeys } from "../../functions/core/idempotency/state-keys.js";
import { type Synthesized, render, synth } from "./synth.js";
import type { SimwatchFunction } from "../../infra/constructs/simwatch-function.js";

const logicalId = (s: Synthesized, construct: { node: { defaultChild?: unknown } }) =>
  s.stack.getLogicalId(construct.node.defaultChild as Parameters<Synthesized["stack"]["getLogicalId"]>[0]);

const lifecycleRules = (synthesized: Synthesized) =>
  (synthesized.json.Resources[logicalId(synthesized, synthesized.stack.archive.bucket)]!.Properties!.LifecycleConfiguration as { Rules: Record<string, unknown>[] })
    .Rules;

let s: Synthesized;
beforeAll(() => {
  s = synth();
});

describe("archive bucket", () => {
  it("is private, TLS only, encrypted, versioned, logged and retained", () => {
    const bucketId = logicalId(s, s.stack.archive.bucket);
    const bucket = s.json.Resources[bucketId]!;
    expect(bucket).toMatchObject({ DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" });
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] },
      VersioningConfiguration: { Status: "Enabled" },
      LoggingConfiguration: { DestinationBucketName: { Ref: logicalId(s, s.stack.archive.accessLogs) } },
    });
    s.template.hasResourceProperties("AWS::S3::BucketPolicy", {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
    // autoDeleteObjects would add a custom resource that empties the bucket on stack deletion.
    expect(JSON.stringify(s.json)).not.toContain("Custom::S3AutoDeleteObjects");
  });

  it("moves only the archive prefix to Standard-IA after 30 days and Glacier after 180, and expires old versions", () => {
    const rules = (s.json.Resources[logicalId(s, s.stack.archive.bucket)]!.Properties!.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
    const transitioning = rules.filter((rule) => rule.Transitions !== undefined);
    expect(transitioning).toEqual([
      expect.objectContaining({
        Prefix: "runs/",
        Status: "Enabled",
        Transitions: [
          { StorageClass: "STANDARD_IA", TransitionInDays: 30 },
          { StorageClass: "GLACIER", TransitionInDays: 180 },
        ],
      }),
    ]);
    expect(rules).toContainEqual(
      expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }),
    );
    // No rule without a prefix (or on _simwatch/) ever transitions state.
    for (const rule of transitioning) expect(String(rule.Prefix)).not.toMatch(/^(_simwatch|$)/);
  });

  it("follows the context: prefix and days", () => {
    const other = synth({ archivePrefix: "archive/", infrequentAccessDays: 60, glacierDays: 0 });
    const rules = (other.json.Resources[logicalId(other, other.stack.archive.bucket)]!.Properties!.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
    expect(rules.filter((rule) => rule.Transitions)).toEqual([
      expect.objectContaining({ Prefix: "archive/", Transitions: [{ StorageClass: "STANDARD_IA", TransitionInDays: 60 }] }),
    ]);
    const none = synth({ infrequentAccessDays: 0, glacierDays: 0 });
    expect(JSON.stringify(none.json)).not.toContain("Transitions");
  });

  it("expires each expiring state prefix after 30 days and its old versions a day later, and nothing else", () => {
    const rules = lifecycleRules(s);
    const expiring = rules.filter((rule) => rule.ExpirationInDays !== undefined);
    expect(expiring).toEqual(
      EXPIRING_STATE_PREFIXES.map((prefix) =>
        expect.objectContaining({ Prefix: prefix, Status: "Enabled", ExpirationInDays: 30, NoncurrentVersionExpiration: { NoncurrentDays: 1 } }),
      ),
    );
    // No rule that deletes current objects could reach the archive, settings or the watch list.
    for (const rule of expiring) {
      const prefix = String(rule.Prefix);
      expect(prefix).toMatch(/^_simwatch\/.+\/$/);
      for (const kept of ["runs/", stateKeys.subscriptionsPrefix(), "_simwatch/schedules/", stateKeys.watchlist(), stateKeys.lastFinishedRun("695b7d904226fdec9400001f")]) {
        expect(kept.startsWith(prefix), `${prefix} would expire ${kept}`).toBe(false);
      }
    }
    expect(rules.filter((rule) => rule.Prefix === undefined && rule.ExpirationInDays !== undefined)).toEqual([]);
  });

  it("follows the context: how long state is kept, passed to the functions too", () => {
    const other = synth({ stateRetentionDays: 7 });
    const days = lifecycleRules(other).flatMap((rule) => (rule.ExpirationInDays === undefined ? [] : [rule.ExpirationInDays]));
    expect(days).toEqual(EXPIRING_STATE_PREFIXES.map(() => 7));
    const poller = other.json.Resources[logicalId(other, other.stack.functions.poller.function)]!.Properties!;
    expect(poller.Environment).toMatchObject({ Variables: { STATE_RETENTION_DAYS: "7" } });
  });

  it("keeps access logs in a private, TLS-only bucket of their own that expire", () => {
    const logs = s.json.Resources[logicalId(s, s.stack.archive.accessLogs)]!;
    expect(logs.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: [expect.objectContaining({ ExpirationInDays: 90 })] },
    });
  });
});

describe("functions", () => {
  const expected = {
    poller: { MemorySize: 512, Timeout: 55 },
    archiver: { MemorySize: 1024, Timeout: 900 },
    notifier: { MemorySize: 256, Timeout: 30 },
    commandWorker: { MemorySize: 256, Timeout: 60 },
    slackHttp: { MemorySize: 512, Timeout: 10 },
    archiveWeb: { MemorySize: 512, Timeout: 15 },
  } as const;

  it.each(Object.entries(expected))("%s: Node 22 on arm64, its own size and timeout, tracing, JSON logs", (name, size) => {
    const f = s.stack.functions[name as keyof typeof expected];
    const props = s.json.Resources[logicalId(s, f.function)]!.Properties!;
    expect(props).toMatchObject({
      Runtime: "nodejs22.x",
      Architectures: ["arm64"],
      Handler: "index.handler",
      ...size,
      TracingConfig: { Mode: "Active" },
      LoggingConfig: { LogFormat: "JSON", LogGroup: { Ref: logicalId(s, f.logGroup) } },
    });
  });

  it("each writes to a log group of its own with a retention", () => {
    const groups = s.template.findResources("AWS::Logs::LogGroup");
    expect(Object.keys(groups)).toHaveLength(6);
    for (const group of Object.values(groups)) expect(group.Properties.RetentionInDays).toBe(30);
  });

  it("get the configuration as environment variables; slack-http only what it uses", () => {
    const configured = synth({ defaultChannel: "C0DEFAULT", allowedUsers: "U1AA,U2BB", allowedChannels: "C3CC", allowedTeams: "T0TEAM,E0ORG", amigoApiUrl: "https://amigo.example", scheduleRate: "2 minutes" });
    const variablesOf = (f: SimwatchFunction) => (configured.json.Resources[logicalId(configured, f.function)]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    const access = { SLACK_ALLOWED_USERS: "U1AA,U2BB", SLACK_ALLOWED_CHANNELS: "C3CC", SLACK_TEAM_ID: "T0TEAM,E0ORG" };
    const { slackHttp, archiveWeb, ...workers } = configured.stack.functions;
    const archiveWebUrl = { "Fn::Join": ["", [{ "Fn::GetAtt": [logicalId(configured, configured.stack.archiveWebUrl), "FunctionUrl"] }, "archive/"]] };
    const { runSchedules } = configured.stack;
    for (const [name, f] of Object.entries(workers)) {
      // Only the command worker makes schedules: it alone is told where.
      const scheduling =
        name === "commandWorker"
          ? {
              SCHEDULE_GROUP_NAME: runSchedules.group.scheduleGroupName,
              SCHEDULER_ROLE_ARN: { "Fn::GetAtt": [logicalId(configured, runSchedules.role), "Arn"] },
              EVENT_BUS_ARN: { "Fn::GetAtt": [logicalId(configured, configured.stack.events.bus), "Arn"] },
              SCHEDULE_DEAD_LETTER_ARN: { "Fn::GetAtt": [logicalId(configured, runSchedules.deadLetterQueue), "Arn"] },
            }
          : {};
      // The poller paces fast follow against its own schedule's interval.
      const pace = name === "poller" ? { POLL_INTERVAL_SECONDS: "120" } : {};
      expect(variablesOf(f)).toEqual({
        ...scheduling,
        ...pace,
        EVENT_BUS_NAME: { Ref: logicalId(configured, configured.stack.events.bus) },
        ARCHIVE_BUCKET: { Ref: logicalId(configured, configured.stack.archive.bucket) },
        ARCHIVE_PREFIX: "runs/",
        SECRET_ARN: { Ref: "CredentialsF8F243AA" },
        AMIGO_API_URL: "https://amigo.example",
        SLACK_DEFAULT_CHANNEL: "C0DEFAULT",
        ...access,
        STATE_RETENTION_DAYS: "30",
        ARCHIVE_WEB_URL: archiveWebUrl,
        NODE_OPTIONS: "--enable-source-maps",
      });
    }
    expect(variablesOf(archiveWeb)).toEqual({
      ARCHIVE_BUCKET: { Ref: logicalId(configured, configured.stack.archive.bucket) },
      ARCHIVE_PREFIX: "runs/",
      SECRET_ARN: { Ref: logicalId(configured, configured.stack.archiveWebSecret) },
      SLACK_TEAM_ID: "T0TEAM,E0ORG",
      NODE_OPTIONS: "--enable-source-maps",
    });
    expect(variablesOf(slackHttp)).toEqual({
      EVENT_BUS_NAME: { Ref: logicalId(configured, configured.stack.events.bus) },
      SECRET_ARN: { Ref: logicalId(configured, configured.stack.signingSecret) },
      ...access,
      NODE_OPTIONS: "--enable-source-maps",
    });
  });

  it("reserve concurrency for slack-http and the poller only when the context asks, and two command workers unless told none", () => {
    const reservationIn = (stack: typeof s) => (f: SimwatchFunction) => stack.json.Resources[logicalId(stack, f.function)]!.Properties!.ReservedConcurrentExecutions;
    for (const name of ["slackHttp", "poller", "archiver", "notifier"] as const) expect(reservationIn(s)(s.stack.functions[name])).toBeUndefined();
    expect(reservationIn(s)(s.stack.functions.commandWorker)).toBe(2);
    const reserved = synth({ slackHttpReservedConcurrency: "20", pollerReservedConcurrency: 1, commandWorkerReservedConcurrency: "none" });
    const reservation = reservationIn(reserved);
    expect(reservation(reserved.stack.functions.slackHttp)).toBe(20);
    expect(reservation(reserved.stack.functions.poller)).toBe(1);
    for (const name of ["archiver", "notifier", "commandWorker"] as const) expect(reservation(reserved.stack.functions[name])).toBeUndefined();
  });
});

describe("event bus", () => {
  const routes: Record<string, string[]> = {
    "Artifacts Ready": ["archiver"],
    "Run Started": ["notifier"],
    "Run Finished": ["notifier", "commandWorker"],
    "Run Archived": ["notifier"],
    "Command Accepted": ["commandWorker"],
    "Scheduled Run Due": ["commandWorker"],
    "Home Opened": ["commandWorker"],
    "Home Refresh Due": ["commandWorker"],
  };

  it("is one custom bus with one rule per detail-type", () => {
    s.template.resourceCountIs("AWS::Events::EventBus", 1);
    expect(Object.keys(routes).sort()).toEqual([...DETAIL_TYPES].sort());
    s.template.resourceCountIs("AWS::Events::Rule", DETAIL_TYPES.length);
  });

  it.each(Object.entries(routes))("routes %s (source simwatch) to %j with retries, a maximum age and a dead-letter queue", (detailType, consumers) => {
    const busId = logicalId(s, s.stack.events.bus);
    const rules = Object.values(s.template.findResources("AWS::Events::Rule", { Properties: { EventPattern: { "detail-type": [detailType] } } }));
    expect(rules).toHaveLength(1);
    const rule = rules[0]!.Properties;
    expect(rule.EventBusName).toEqual({ Ref: busId });
    expect(rule.EventPattern).toEqual({ source: ["simwatch"], "detail-type": [detailType] });
    expect(rule.Targets.map((t: { Arn: unknown }) => render(t.Arn))).toEqual(
      consumers.map((c) => `${logicalId(s, s.stack.functions[c as "archiver"].function)}.Arn`),
    );
    for (const target of rule.Targets) {
      expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 });
      expect(render(target.DeadLetterConfig.Arn)).toMatch(/DeadLettersQueue.*\.Arn$/);
    }
  });

  it("bus consumers retry twice in Lambda, then send the failure to their dead-letter queue", () => {
    for (const name of ["archiver", "notifier", "commandWorker"] as const) {
      const fnId = logicalId(s, s.stack.functions[name].function);
      s.template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
        FunctionName: { Ref: fnId },
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 21600,
        DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [Match.stringLikeRegexp("DeadLettersQueue"), "Arn"] } } },
      });
    }
  });

  it("dead-letter queues are encrypted and refuse plain HTTP", () => {
    const queues = s.template.findResources("AWS::SQS::Queue");
    expect(Object.keys(queues)).toHaveLength(5);
    for (const queue of Object.values(queues)) expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    for (const id of Object.keys(queues)) {
      s.template.hasResourceProperties("AWS::SQS::QueuePolicy", {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } })]),
        },
      });
    }
  });
});

describe("/sim schedule schedules", () => {
  it("live in a schedule group the stack owns, and the command worker is told which", () => {
    const groups = s.template.findResources("AWS::Scheduler::ScheduleGroup");
    expect(Object.keys(groups)).toHaveLength(2);
    expect(Object.keys(groups)).toContain(logicalId(s, s.stack.runSchedules.group));
    // The stack creates no schedule in it: the command worker does, one per /sim schedule.
    const schedules = Object.values(s.template.findResources("AWS::Scheduler::Schedule"));
    expect(schedules).toHaveLength(1);
    expect(schedules[0]!.Properties.GroupName).not.toEqual({ Ref: logicalId(s, s.stack.runSchedules.group) });
  });
});

describe("poll schedule", () => {
  it("invokes the poller every minute with a retry policy and a dead-letter queue", () => {
    s.template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "rate(1 minute)",
      State: "ENABLED",
      FlexibleTimeWindow: { Mode: "OFF" },
      Target: {
        Arn: { "Fn::GetAtt": [logicalId(s, s.stack.functions.poller.function), "Arn"] },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
        DeadLetterConfig: { Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("PollerDeadLetters"), "Arn"] } },
      },
    });
  });

  it("takes its rate from context", () => {
    synth({ scheduleRate: "5 minutes" }).template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "rate(5 minutes)",
      Target: { RetryPolicy: { MaximumEventAgeInSeconds: 300 } },
    });
  });

  it("accepts the slowest rate, a day, within Scheduler's and Lambda's age limits", () => {
    const daily = synth({ scheduleRate: "24 hours" });
    daily.template.hasResourceProperties("AWS::Scheduler::Schedule", { Target: { RetryPolicy: { MaximumEventAgeInSeconds: 86400 } } });
    daily.template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 21600 });
  });

  it("does not let Lambda retry a failed poll (the next one is due) but keeps the failure", () => {
    s.template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      FunctionName: { Ref: logicalId(s, s.stack.functions.poller.function) },
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [Match.stringLikeRegexp("PollerDeadLetters"), "Arn"] } } },
    });
  });
});

describe("Slack endpoint", () => {
  it("is a public Function URL (the signature is verified in code)", () => {
    s.template.hasResourceProperties("AWS::Lambda::Url", {
      AuthType: "NONE",
      TargetFunctionArn: { "Fn::GetAtt": [logicalId(s, s.stack.functions.slackHttp.function), "Arn"] },
    });
  });

  it("has both lambda:InvokeFunctionUrl and lambda:InvokeFunction permissions for everyone", () => {
    const fnArn = { "Fn::GetAtt": [logicalId(s, s.stack.functions.slackHttp.function), "Arn"] };
    s.template.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunctionUrl",
      FunctionName: fnArn,
      Principal: "*",
      FunctionUrlAuthType: "NONE",
    });
    s.template.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      FunctionName: fnArn,
      Principal: "*",
      InvokedViaFunctionUrl: true,
    });
  });

  it("is, with the archive browser's, the only thing anyone outside the account may invoke", () => {
    const permissions = Object.values(s.template.findResources("AWS::Lambda::Permission")).map((p) => p.Properties);
    const public_ = permissions.filter((p) => p.Principal === "*");
    expect(public_).toHaveLength(4);
    const targets = new Set(public_.map((p) => render(p.FunctionName)));
    expect([...targets].sort()).toEqual([`${logicalId(s, s.stack.functions.archiveWeb.function)}.Arn`, `${logicalId(s, s.stack.functions.slackHttp.function)}.Arn`].sort());
    for (const p of permissions.filter((p) => p.Principal !== "*")) expect(p.Principal).toBe("events.amazonaws.com");
  });
});

describe("archive browser", () => {
  it("is a public Function URL of its own (Sign in with Slack is checked in code), whose address the other functions and an output carry", () => {
    s.template.hasResourceProperties("AWS::Lambda::Url", {
      AuthType: "NONE",
      TargetFunctionArn: { "Fn::GetAtt": [logicalId(s, s.stack.functions.archiveWeb.function), "Arn"] },
    });
    const url = { "Fn::GetAtt": [logicalId(s, s.stack.archiveWebUrl), "FunctionUrl"] };
    expect(s.json.Outputs?.ArchiveWebUrl?.Value).toEqual({ "Fn::Join": ["", [url, "archive/"]] });
    expect(s.json.Outputs?.SignInRedirectUrl?.Value).toEqual({ "Fn::Join": ["", [url, "auth/callback"]] });
    expect(render(s.json.Outputs?.PutArchiveWebSecretValueCommand?.Value)).toContain('"SLACK_CLIENT_ID":"<slack app client id>","SLACK_CLIENT_SECRET":"<slack app client secret>","ARCHIVE_WEB_COOKIE_KEY"');
  });
});

describe("secrets", () => {
  it("are three, created empty: the workers' credentials, slack-http's signing secret alone, archive-web's sign-in client and cookie key", () => {
    const secrets = s.template.findResources("AWS::SecretsManager::Secret");
    expect(Object.keys(secrets).sort()).toEqual(["CredentialsF8F243AA", logicalId(s, s.stack.signingSecret), logicalId(s, s.stack.archiveWebSecret)].sort());
    expect(secrets[logicalId(s, s.stack.archiveWebSecret)]!.Properties.Description).toContain("read by archive-web alone. JSON with keys SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, ARCHIVE_WEB_COOKIE_KEY and no others");
    for (const secret of Object.values(secrets)) expect(Object.keys(secret.Properties)).toEqual(["Description"]);
    expect(secrets.CredentialsF8F243AA!.Properties.Description).toContain("keys AMIGO_ORG_ID, AMIGO_API_KEY, AMIGO_API_KEY_ID, AMIGO_USER_ID, SLACK_BOT_TOKEN and no others");
    expect(secrets[logicalId(s, s.stack.signingSecret)]!.Properties.Description).toContain("read by slack-http alone. JSON with keys SLACK_SIGNING_SECRET and no others");
  });
});

describe("alarms", () => {
  it("watch every function's errors, every dead-letter queue, and the schedule", () => {
    const alarms = Object.values(s.template.findResources("AWS::CloudWatch::Alarm")).map((a) => a.Properties);
    const byMetric = (name: string) => alarms.filter((a) => a.MetricName === name);
    expect(byMetric("Errors")).toHaveLength(6);
    expect(byMetric("ApproximateNumberOfMessagesVisible")).toHaveLength(5);
    // The poll schedule's group and the /sim schedule group: each alarmed the same way.
    expect(alarms.filter((a) => a.Namespace === "AWS/Scheduler").map((a) => a.MetricName).sort()).toEqual(
      ["InvocationDroppedCount", "InvocationsFailedToBeSentToDeadLetterCount", "TargetErrorCount", "InvocationDroppedCount", "InvocationsFailedToBeSentToDeadLetterCount", "TargetErrorCount"].sort(),
    );
    for (const alarm of alarms) {
      expect(alarm.TreatMissingData).toBe("notBreaching");
      expect(alarm.AlarmActions).toBeUndefined(); // no alarmEmail: no topic
    }
    s.template.resourceCountIs("AWS::SNS::Topic", 0);
  });

  it("notify an SNS topic with an email subscription when alarmEmail is set", () => {
    const withEmail = synth({ alarmEmail: "oncall@example.com" });
    withEmail.template.resourceCountIs("AWS::SNS::Topic", 1);
    withEmail.template.hasResourceProperties("AWS::SNS::Subscription", { Protocol: "email", Endpoint: "oncall@example.com" });
    const alarms = Object.values(withEmail.template.findResources("AWS::CloudWatch::Alarm"));
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toHaveLength(1);
  });
});

describe("outputs", () => {
  it("give the Slack URLs, the bucket, the bus, the secrets and the commands that fill them", () => {
    const outputs = s.json.Outputs!;
    const urlId = logicalId(s, s.stack.functionUrl);
    expect(render(outputs.SlashCommandUrl!.Value)).toBe(`${urlId}.FunctionUrlslack/commands`);
    expect(render(outputs.InteractivityUrl!.Value)).toBe(`${urlId}.FunctionUrlslack/interactions`);
    expect(render(outputs.EventsUrl!.Value)).toBe(`${urlId}.FunctionUrlslack/events`);
    expect(outputs.ArchiveBucketName!.Value).toEqual({ Ref: logicalId(s, s.stack.archive.bucket) });
    expect(outputs.EventBusName!.Value).toEqual({ Ref: logicalId(s, s.stack.events.bus) });
    expect(outputs.SecretArn!.Value).toEqual({ Ref: "CredentialsF8F243AA" });
    const command = render(outputs.PutSecretValueCommand!.Value);
    expect(command).toMatch(/^aws secretsmanager put-secret-value --secret-id CredentialsF8F243AA --secret-string '\{.*\}'$/);
    const json = JSON.parse(command.slice(command.indexOf("'") + 1, -1)) as Record<string, string>;
    expect(Object.keys(json)).toEqual(["AMIGO_ORG_ID", "AMIGO_API_KEY", "AMIGO_API_KEY_ID", "AMIGO_USER_ID", "SLACK_BOT_TOKEN"]);
    for (const value of Object.values(json)) expect(value).toMatch(/^<[a-z ]+>$/);
    const signingId = logicalId(s, s.stack.signingSecret);
    expect(outputs.SigningSecretArn!.Value).toEqual({ Ref: signingId });
    expect(render(outputs.PutSigningSecretValueCommand!.Value)).toBe(
      `aws secretsmanager put-secret-value --secret-id ${signingId} --secret-string '{"SLACK_SIGNING_SECRET":"<slack signing secret>"}'`,
    );
  });
});
