/**
 * CloudWatch alarms on what needs a person: function errors, dead-letter queues that are not
 * empty, and a poll schedule that fails. With an alarm email, they notify an SNS topic.
 */
import { Duration, Validations } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

export interface ErrorAlarmOptions {
  /** Errors within `minutes` that raise the alarm. */
  readonly threshold: number;
  readonly minutes: number;
}

export class SimwatchAlarms extends Construct {
  readonly topic?: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: { readonly alarmEmail?: string }) {
    super(scope, id);
    if (props.alarmEmail !== undefined) {
      this.topic = new sns.Topic(this, "Topic", { displayName: "simwatch alarms", enforceSSL: true });
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
      Validations.of(this.topic).acknowledge({
        id: "AwsSolutions-SNS2",
        reason:
          "Alarm notifications carry only alarm names and states. CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer-managed KMS key would cost more than the rest of the stack.",
      });
      Validations.of(this).acknowledge({
        id: "Serverless-SNSRedrivePolicy",
        reason: "The only subscription is an email address; SNS retries email delivery itself, and a dead-letter queue for alarm mail would need an alarm of its own.",
      });
    }
  }

  functionErrors(name: string, fn: lambda.IFunction, options: ErrorAlarmOptions): cloudwatch.Alarm {
    return this.add(`${name}Errors`, {
      alarmDescription: `simwatch ${name}: ${options.threshold}+ errors in ${options.minutes} minutes (see its log group)`,
      metric: fn.metricErrors({ period: Duration.minutes(options.minutes), statistic: cloudwatch.Stats.SUM }),
      threshold: options.threshold,
    });
  }

  deadLetters(name: string, queue: sqs.IQueue): cloudwatch.Alarm {
    return this.add(`${name}DeadLetters`, {
      alarmDescription: `simwatch ${name}: messages in the dead-letter queue (failed events to inspect or redrive)`,
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 1,
    });
  }

  /** `id` and `what` name the group's schedules (default: the poll schedule). */
  scheduleFailures(group: scheduler.ScheduleGroup, names: { id: string; what: string; target: string } = { id: "Schedule", what: "poll schedule", target: "invoke the poller" }): cloudwatch.Alarm[] {
    const period = Duration.minutes(5);
    return [
      this.add(`${names.id}TargetErrors`, {
        alarmDescription: `simwatch ${names.what}: EventBridge Scheduler could not ${names.target}`,
        metric: group.metricTargetErrors({ period, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
      }),
      this.add(`${names.id}Dropped`, {
        alarmDescription: `simwatch ${names.what}: invocations dropped after all retries`,
        metric: group.metricDropped({ period, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
      }),
      this.add(`${names.id}DeadLetterFailures`, {
        alarmDescription: `simwatch ${names.what}: failed invocations could not even be put on the dead-letter queue`,
        metric: group.metricFailedToBeSentToDLQ(undefined, { period, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
      }),
    ];
  }

  private add(id: string, props: { alarmDescription: string; metric: cloudwatch.IMetric; threshold: number }): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      ...props,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (this.topic) {
      alarm.addAlarmAction(new actions.SnsAction(this.topic));
      alarm.addOkAction(new actions.SnsAction(this.topic));
    }
    this.alarms.push(alarm);
    return alarm;
  }
}
