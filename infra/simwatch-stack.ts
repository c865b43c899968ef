/**
 * simwatch as one stack: the archive bucket, the event bus, five functions built by
 * SimwatchFunction, the poll schedule, the Slack Function URL, the credentials secret, alarms
 * and the outputs an operator needs after `npm run deploy`.
 */
import { CfnOutput, Duration, Fn, Stack, type StackProps, Validations } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import type { Construct } from "constructs";
import { ARCHIVE_WEB_SECRET_KEYS, CREDENTIAL_KEYS, SIGNING_SECRET_KEYS } from "../functions/core/config.js";
import { grantArchiveRead, grantArchiveWrite, grantStateReadWrite } from "./access.js";
import { ArchiveBucket } from "./constructs/archive-bucket.js";
import { sendAsyncFailuresTo } from "./constructs/async-failures.js";
import { SimwatchAlarms } from "./constructs/alarms.js";
import { CredentialsSecret } from "./constructs/credentials-secret.js";
import { DeadLetterQueue } from "./constructs/dead-letter-queue.js";
import { SimwatchBus } from "./constructs/event-bus.js";
import { PollSchedule } from "./constructs/poll-schedule.js";
import { RunSchedules } from "./constructs/run-schedules.js";
import { SimwatchFunction, type SimwatchFunctionProps } from "./constructs/simwatch-function.js";
import type { Settings } from "./settings.js";

export interface SimwatchStackProps extends StackProps {
  readonly settings: Settings;
}

/** Paths the Slack app calls on the Function URL (served by the Hono app in functions/slack). */
export const SLACK_PATHS = { commands: "slack/commands", interactions: "slack/interactions", events: "slack/events" } as const;
/** Paths of archive-web's Function URL: the archive browser and Sign in with Slack's redirect URL. */
export const ARCHIVE_WEB_PATHS = { archive: "archive/", signInCallback: "auth/callback" } as const;

export class SimwatchStack extends Stack {
  readonly archive: ArchiveBucket;
  readonly events: SimwatchBus;
  /** Amigo's key and the bot token, for the poller, archiver, notifier and command worker. */
  readonly secret: CredentialsSecret;
  /** slack-http's own: the signing secret and nothing else. */
  readonly signingSecret: CredentialsSecret;
  /** archive-web's own: Sign in with Slack's client id and secret, and the cookie key. */
  readonly archiveWebSecret: CredentialsSecret;
  readonly functions: Readonly<Record<"poller" | "archiver" | "notifier" | "commandWorker" | "slackHttp" | "archiveWeb", SimwatchFunction>>;
  readonly functionUrl: lambda.FunctionUrl;
  /** The archive browser's Function URL. */
  readonly archiveWebUrl: lambda.FunctionUrl;
  readonly runSchedules: RunSchedules;

  constructor(scope: Construct, id: string, props: SimwatchStackProps) {
    super(scope, id, props);
    const { settings } = props;

    this.archive = new ArchiveBucket(this, "Archive", {
      archivePrefix: settings.archivePrefix,
      infrequentAccessDays: settings.infrequentAccessDays,
      glacierDays: settings.glacierDays,
      stateRetentionDays: settings.stateRetentionDays,
    });
    this.events = new SimwatchBus(this, "Events");
    this.secret = new CredentialsSecret(this, "Credentials", { keys: CREDENTIAL_KEYS, readBy: "the poller, archiver, notifier and command worker" });
    this.signingSecret = new CredentialsSecret(this, "SigningSecret", { keys: SIGNING_SECRET_KEYS, readBy: "slack-http alone" });
    this.archiveWebSecret = new CredentialsSecret(this, "ArchiveWebSecret", { keys: ARCHIVE_WEB_SECRET_KEYS, readBy: "archive-web alone" });

    // Who may do what: the same lists for slack-http and the command worker, which both check.
    const access: Record<string, string> = {
      SLACK_ALLOWED_USERS: settings.allowedUsers.join(","),
      SLACK_ALLOWED_CHANNELS: settings.allowedChannels.join(","),
      SLACK_TEAM_ID: settings.allowedTeams.join(","),
    };
    // The archive browser: internet-facing like slack-http, so it too gets only what it uses: the
    // archive prefix to read, its own secret and the workspaces that may sign in.
    const archiveWeb = new SimwatchFunction(this, "ArchiveWeb", {
      handler: "archive-web",
      description: "simwatch: the archive browser behind Sign in with Slack (reads the archive prefix, nothing else)",
      memorySize: 512,
      timeout: Duration.seconds(15),
      environment: {
        ARCHIVE_BUCKET: this.archive.bucket.bucketName,
        ARCHIVE_PREFIX: settings.archivePrefix,
        SECRET_ARN: this.archiveWebSecret.secretArn,
        SLACK_TEAM_ID: settings.allowedTeams.join(","),
      },
    });
    this.archiveWebUrl = archiveWeb.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    const archiveWebUrl = Fn.join("", [this.archiveWebUrl.url, ARCHIVE_WEB_PATHS.archive]);

    const environment: Record<string, string> = {
      EVENT_BUS_NAME: this.events.bus.eventBusName,
      ARCHIVE_BUCKET: this.archive.bucket.bucketName,
      ARCHIVE_PREFIX: settings.archivePrefix,
      SECRET_ARN: this.secret.secretArn,
      AMIGO_API_URL: settings.amigoApiUrl,
      ...access,
      STATE_RETENTION_DAYS: String(settings.stateRetentionDays),
      // Stable links to runs' reports in Slack (never presigned).
      ARCHIVE_WEB_URL: archiveWebUrl,
      ...(settings.defaultChannel === undefined ? {} : { SLACK_DEFAULT_CHANNEL: settings.defaultChannel }),
    };
    const fn = (id: string, props: Omit<SimwatchFunctionProps, "environment">, own: Record<string, string> = {}) =>
      new SimwatchFunction(this, id, { ...props, environment: { ...environment, ...own } });

    const poller = fn("Poller", {
      handler: "poller",
      description: "simwatch: lists Amigo runs, keeps state, emits Run Started / Run Finished / Artifacts Ready",
      memorySize: 512,
      // Less than the shortest schedule interval, so polls rarely overlap (overlaps are safe anyway).
      timeout: Duration.seconds(55),
      ...(settings.pollerReservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: settings.pollerReservedConcurrency }),
    }, { POLL_INTERVAL_SECONDS: String(settings.scheduleMinutes * 60) }); // fast follow paces its last tick against the next invocation
    const archiver = fn("Archiver", {
      handler: "archiver",
      description: "simwatch: streams a run's artifacts from Amigo into the S3 archive, emits Run Archived",
      memorySize: 1024,
      timeout: Duration.minutes(15),
    });
    const notifier = fn("Notifier", {
      handler: "notifier",
      description: "simwatch: posts and edits the one Slack message per run",
      memorySize: 256,
      timeout: Duration.seconds(30),
    });
    const commandWorker = fn("CommandWorker", {
      handler: "command-worker",
      description: "simwatch: carries out accepted slash commands against Amigo, answers in Slack, publishes Home tabs",
      memorySize: 256,
      timeout: Duration.seconds(60),
      ...(settings.commandWorkerReservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: settings.commandWorkerReservedConcurrency }),
    });
    // The internet-facing function gets only what it uses: the bus, its own secret, the access lists.
    const slackHttp = new SimwatchFunction(this, "SlackHttp", {
      handler: "slack-http",
      description: "simwatch: Slack slash command and interactivity endpoint (verifies, parses, acks within 3 s)",
      // More memory is more CPU: a cold start must still answer Slack within 3 seconds.
      memorySize: 512,
      timeout: Duration.seconds(10),
      environment: { EVENT_BUS_NAME: this.events.bus.eventBusName, SECRET_ARN: this.signingSecret.secretArn, ...access },
      ...(settings.slackHttpReservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: settings.slackHttpReservedConcurrency }),
    });
    this.functions = { poller, archiver, notifier, commandWorker, slackHttp, archiveWeb };

    // Least privilege (docs/deploy.md#permissions-least-privilege): each function may do what its own code does.
    // poller: state (outbox entries are deleted once sent), events, Amigo.
    grantStateReadWrite(this.archive, poller.function, { deletes: true });
    // archiver: state, writes the archive (never reads or deletes it), Run Archived, Amigo.
    grantStateReadWrite(this.archive, archiver.function, { deletes: true });
    grantArchiveWrite(this.archive, archiver.function);
    // notifier: state (claims and messages, nothing deleted), Slack and Amigo (set names); it emits nothing.
    grantStateReadWrite(this.archive, notifier.function, { deletes: false });
    // command worker: state (unsubscribe deletes), reads the archive for download links; emits Home Refresh Due.
    grantStateReadWrite(this.archive, commandWorker.function, { deletes: true });
    grantArchiveRead(this.archive, commandWorker.function);
    // archive-web: reads the archive prefix (GetObject, not even a listing) and its own secret.
    grantArchiveRead(this.archive, archiveWeb.function);
    this.archiveWebSecret.grantRead(archiveWeb.function);
    // slack-http: Command Accepted and Home Opened only; no S3 at all.
    for (const emitter of [poller, archiver, slackHttp, commandWorker]) this.events.bus.grantPutEventsTo(emitter.function);
    for (const user of [poller, archiver, notifier, commandWorker]) this.secret.grantRead(user.function);
    this.signingSecret.grantRead(slackHttp.function);

    // Bus consumers: EventBridge retries delivery, then Lambda retries the invocation; what still
    // fails lands in the consumer's dead-letter queue.
    const alarms = new SimwatchAlarms(this, "Alarms", settings.alarmEmail === undefined ? {} : { alarmEmail: settings.alarmEmail });
    const consumer = (name: string, f: SimwatchFunction, purpose: string) => {
      const dlq = new DeadLetterQueue(f, "DeadLetters", { purpose }).queue;
      sendAsyncFailuresTo(f.function, { retryAttempts: 2, maxEventAge: Duration.hours(6), deadLetterQueue: dlq });
      alarms.deadLetters(name, dlq);
      return { function: f.function, deadLetterQueue: dlq };
    };
    const archiverTarget = consumer("Archiver", archiver, "Artifacts Ready events the archiver could not handle");
    const notifierTarget = consumer("Notifier", notifier, "run events the notifier could not post");
    const commandTarget = consumer("CommandWorker", commandWorker, "Command Accepted events the command worker could not carry out");
    this.events.route("Artifacts Ready", archiverTarget);
    this.events.route("Run Started", notifierTarget);
    this.events.route("Run Finished", notifierTarget);
    this.events.route("Run Archived", notifierTarget);
    this.events.route("Command Accepted", commandTarget);
    this.events.route("Scheduled Run Due", commandTarget);
    // The Home tab: the command worker publishes a person's Home when they open it, and
    // refreshes the Homes a finished run concerns (going on with Home Refresh Due).
    this.events.route("Home Opened", commandTarget);
    this.events.route("Run Finished", commandTarget);
    this.events.route("Home Refresh Due", commandTarget);

    // /sim schedule: one EventBridge Scheduler schedule per simwatch schedule, in a group of the stack's.
    this.runSchedules = new RunSchedules(this, "RunSchedules", { bus: this.events.bus, commandWorker });
    alarms.deadLetters("RunSchedules", this.runSchedules.deadLetterQueue);
    alarms.scheduleFailures(this.runSchedules.group, { id: "RunSchedules", what: "/sim schedule schedules", target: "put Scheduled Run Due on the bus" });

    // The poller: a failed poll is not retried by Lambda (the next one is a minute away); invocations
    // the scheduler could not make, and polls that failed, land in the poller's dead-letter queue.
    const pollerDlq = new DeadLetterQueue(poller, "DeadLetters", { purpose: "poll invocations that failed or could not be made" }).queue;
    sendAsyncFailuresTo(poller.function, {
      retryAttempts: 0,
      maxEventAge: Duration.minutes(Math.min(settings.scheduleMinutes * 2, 360)), // Lambda's limit is 6 hours
      deadLetterQueue: pollerDlq,
    });
    const schedule = new PollSchedule(this, "PollSchedule", { poller: poller.function, everyMinutes: settings.scheduleMinutes, deadLetterQueue: pollerDlq });
    alarms.deadLetters("Poller", pollerDlq);
    alarms.scheduleFailures(schedule.group);

    // Slack: a public Function URL; every request's signature is checked in code (functions/slack).
    this.functionUrl = slackHttp.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    Validations.of(slackHttp.function).acknowledge({
      id: "Serverless-LambdaDLQ",
      reason: "Invoked synchronously by its Function URL only: Slack sees every failure as an HTTP error and retries; there is no asynchronous event to keep.",
    });
    // The archive browser: a public Function URL; every archive route needs a Sign in with Slack session (functions/archive/web).
    Validations.of(archiveWeb.function).acknowledge({
      id: "Serverless-LambdaDLQ",
      reason: "Invoked synchronously by its Function URL only: a person's browser sees every failure as an HTTP error and asks again; there is no asynchronous event to keep.",
    });

    alarms.functionErrors("Poller", poller.function, { threshold: 3, minutes: 15 });
    alarms.functionErrors("Archiver", archiver.function, { threshold: 1, minutes: 5 });
    alarms.functionErrors("Notifier", notifier.function, { threshold: 1, minutes: 5 });
    alarms.functionErrors("CommandWorker", commandWorker.function, { threshold: 1, minutes: 5 });
    alarms.functionErrors("SlackHttp", slackHttp.function, { threshold: 1, minutes: 5 });
    alarms.functionErrors("ArchiveWeb", archiveWeb.function, { threshold: 1, minutes: 5 });

    acknowledgeFunctionFindings(Object.values(this.functions));

    new CfnOutput(this, "SlashCommandUrl", {
      description: "Request URL of the Slack slash command (slack/manifest.yaml: features.slash_commands[].url)",
      value: Fn.join("", [this.functionUrl.url, SLACK_PATHS.commands]),
    });
    new CfnOutput(this, "InteractivityUrl", {
      description: "Request URL of Slack interactivity (slack/manifest.yaml: settings.interactivity.request_url)",
      value: Fn.join("", [this.functionUrl.url, SLACK_PATHS.interactions]),
    });
    new CfnOutput(this, "EventsUrl", {
      description: "Request URL of Slack's Events API, for the Home tab (slack/manifest.yaml: settings.event_subscriptions.request_url)",
      value: Fn.join("", [this.functionUrl.url, SLACK_PATHS.events]),
    });
    new CfnOutput(this, "ArchiveWebUrl", { description: "The archive browser (Sign in with Slack): the archive's index; Slack's Open report links start here", value: archiveWebUrl });
    new CfnOutput(this, "SignInRedirectUrl", {
      description: "Sign in with Slack's redirect URL (slack/manifest.yaml: oauth_config.redirect_urls)",
      value: Fn.join("", [this.archiveWebUrl.url, ARCHIVE_WEB_PATHS.signInCallback]),
    });
    new CfnOutput(this, "ArchiveBucketName", { description: "S3 bucket of the run archive and simwatch's state", value: this.archive.bucket.bucketName });
    new CfnOutput(this, "ArchivePrefix", { description: "Prefix of the browsable run archive in the bucket", value: settings.archivePrefix });
    new CfnOutput(this, "EventBusName", { description: "EventBridge bus carrying simwatch events (source simwatch)", value: this.events.bus.eventBusName });
    new CfnOutput(this, "SecretArn", { description: "Secrets Manager secret to fill with the Amigo credentials and the Slack bot token", value: this.secret.secretArn });
    new CfnOutput(this, "PutSecretValueCommand", {
      description: "Run this with the placeholders replaced by the real values to fill the secret",
      value: this.secret.putSecretValueCommand(),
    });
    new CfnOutput(this, "SigningSecretArn", { description: "Secrets Manager secret of slack-http: the Slack signing secret alone", value: this.signingSecret.secretArn });
    new CfnOutput(this, "PutSigningSecretValueCommand", {
      description: "Run this with the Slack app's signing secret in place of the placeholder",
      value: this.signingSecret.putSecretValueCommand(),
    });
    new CfnOutput(this, "ArchiveWebSecretArn", { description: "Secrets Manager secret of archive-web: the Slack app's client id and secret, and the cookie key", value: this.archiveWebSecret.secretArn });
    new CfnOutput(this, "PutArchiveWebSecretValueCommand", {
      description: "Run this with the Slack app's client id and secret (Basic Information) and a fresh random cookie key in place of the placeholders",
      value: this.archiveWebSecret.putSecretValueCommand(),
    });
  }
}

/** Findings every simwatch function has, each acknowledged with its reason. */
function acknowledgeFunctionFindings(functions: SimwatchFunction[]): void {
  for (const f of functions) {
    const runtimeReason =
      "Node.js 22 on purpose: Node 24 drops callback-style handlers and has an open @aws-sdk/lib-storage memory bug (aws-sdk-js-v3#8286) that the archiver's streamed uploads would hit.";
    Validations.of(f.function).acknowledge({ id: "AwsSolutions-L1", reason: runtimeReason });
    Validations.of(f.function).acknowledge({ id: "Serverless-LambdaLatestVersion", reason: runtimeReason });
    Validations.of(f.role).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason: "Only X-Ray's xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing), which support no resource-level permissions.",
    });
  }
}
