/**
 * The poller's clock: an EventBridge Scheduler schedule in a group of its own (so its metrics
 * can be alarmed), with a retry policy and a dead-letter queue for invocations it could not make.
 */
import { Duration, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import { LambdaInvoke } from "aws-cdk-lib/aws-scheduler-targets";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { acknowledgeWildcardResource } from "../nag.js";

export interface PollScheduleProps {
  readonly poller: lambda.IFunction;
  readonly everyMinutes: number;
  readonly deadLetterQueue: sqs.IQueue;
}

export class PollSchedule extends Construct {
  readonly schedule: scheduler.Schedule;
  readonly group: scheduler.ScheduleGroup;
  /** The role the scheduler assumes to invoke the poller (and to write its dead-letter queue). */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: PollScheduleProps) {
    super(scope, id);
    this.group = new scheduler.ScheduleGroup(this, "Group", {});
    // A poll older than one interval is worth nothing: the next one is already on its way.
    const maxEventAge = Duration.seconds(Math.min(Math.max(props.everyMinutes * 60, 60), 86_400));
    this.role = new iam.Role(this, "Role", {
      description: "EventBridge Scheduler: invokes the simwatch poller",
      assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com", {
        conditions: { StringEquals: { "aws:SourceAccount": Stack.of(this).account } },
      }),
    });
    acknowledgeWildcardResource(
      this.role,
      `${props.poller.functionArn}:*`,
      "Granted by aws-scheduler-targets' LambdaInvoke: lambda:InvokeFunction on the poller and its qualified versions only.",
    );
    this.schedule = new scheduler.Schedule(this, "Schedule", {
      description: `simwatch poller, every ${props.everyMinutes} minute(s)`,
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(props.everyMinutes)),
      scheduleGroup: this.group,
      target: new LambdaInvoke(props.poller, {
        role: this.role,
        retryAttempts: 2,
        maxEventAge,
        deadLetterQueue: props.deadLetterQueue,
      }),
    });
  }
}
