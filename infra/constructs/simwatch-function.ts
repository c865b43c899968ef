/**
 * The one way simwatch builds a Lambda function (Powertools style): same runtime, architecture,
 * bundling, logging and tracing for every handler; only the entry, size and environment differ.
 */
import { type Duration, RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat, SourceMapMode } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { type HandlerName, LOCK_FILE, REPO_ROOT, handlerEntry } from "../paths.js";

/** Makes `require` exist in the ESM bundle (some dependencies call require("node:os") at run time). */
export const ESM_REQUIRE_BANNER = "import { createRequire } from 'module';const require = createRequire(import.meta.url);";

export interface SimwatchFunctionProps {
  readonly handler: HandlerName;
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment: Readonly<Record<string, string>>;
  /** Executions kept for this function alone (and taken from the account's unreserved pool); unset = none. */
  readonly reservedConcurrentExecutions?: number;
  /** Defaults to one month: enough to investigate an incident, cheap to keep. */
  readonly logRetention?: logs.RetentionDays;
}

export class SimwatchFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: SimwatchFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, "Logs", {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // An explicit role instead of the AWSLambdaBasicExecutionRole managed policy: it may
    // write to its own log group only.
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `simwatch ${props.handler} function`,
      inlinePolicies: {
        Logs: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
              resources: [this.logGroup.logGroupArn],
            }),
          ],
        }),
      },
    });

    this.function = new NodejsFunction(this, "Function", {
      entry: handlerEntry(props.handler),
      handler: "handler",
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      ...(props.reservedConcurrentExecutions === undefined ? {} : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      projectRoot: REPO_ROOT,
      depsLockFilePath: LOCK_FILE,
      environment: { ...props.environment, NODE_OPTIONS: "--enable-source-maps" },
      bundling: {
        format: OutputFormat.ESM,
        banner: ESM_REQUIRE_BANNER,
        mainFields: ["module", "main"],
        target: "node22",
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        // Bundle the AWS SDK too: the versions the tests ran against, not whatever the runtime ships.
        externalModules: [],
        forceDockerBundling: false,
      },
    });
  }
}
