/**
 * Schedules made with `/sim schedule`: an EventBridge Scheduler group owned by the stack (its
 * schedules go when the stack goes), the role those schedules assume to put `Scheduled Run Due`
 * on the bus (and a due time they could not deliver on their dead-letter queue), and the
 * command worker's right to create, update and delete schedules in that group only, passing
 * that role only, to Scheduler only.
 */
import { Stack } from "aws-cdk-lib";
import type * as events from "aws-cdk-lib/aws-events";
import * as iam from "aws-cdk-lib/aws-iam";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { acknowledgeWildcardResource } from "../nag.js";
import { DeadLetterQueue } from "./dead-letter-queue.js";
import type { SimwatchFunction } from "./simwatch-function.js";

export interface RunSchedulesProps {
  readonly bus: events.IEventBus;
  /** Creates and deletes the schedules (from /sim schedule and /sim unschedule). */
  readonly commandWorker: SimwatchFunction;
}

export class RunSchedules extends Construct {
  readonly group: scheduler.ScheduleGroup;
  /** The role every schedule in the group assumes. */
  readonly role: iam.Role;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: RunSchedulesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.group = new scheduler.ScheduleGroup(this, "Group", {});
    const schedulesArn = stack.formatArn({ service: "scheduler", resource: "schedule", resourceName: `${this.group.scheduleGroupName}/*` });

    this.role = new iam.Role(this, "Role", {
      description: "EventBridge Scheduler: puts Scheduled Run Due on the simwatch bus for /sim schedule",
      assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com", {
        // Only for this group's schedules (the confused-deputy guard): Scheduler gives the group as
        // the source; the group's schedule ARNs are allowed too, both limited to the group.
        conditions: { StringEquals: { "aws:SourceAccount": stack.account }, ArnLike: { "aws:SourceArn": [this.group.scheduleGroupArn, schedulesArn] } },
      }),
    });
    props.bus.grantPutEventsTo(this.role);
    this.deadLetterQueue = new DeadLetterQueue(this, "DeadLetters", { purpose: "due times of /sim schedule that EventBridge Scheduler could not put on the bus" }).queue;
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ["sqs:SendMessage"], resources: [this.deadLetterQueue.queueArn] }));

    const worker = props.commandWorker;
    worker.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"], resources: [schedulesArn] }),
    );
    worker.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["iam:PassRole"],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
      }),
    );
    acknowledgeWildcardResource(
      worker.role,
      schedulesArn,
      "Schedules are created per /sim schedule with names unknown in advance; the grant is limited to the stack's own schedule group.",
    );
    worker.function.addEnvironment("SCHEDULE_GROUP_NAME", this.group.scheduleGroupName);
    worker.function.addEnvironment("SCHEDULER_ROLE_ARN", this.role.roleArn);
    worker.function.addEnvironment("EVENT_BUS_ARN", props.bus.eventBusArn);
    worker.function.addEnvironment("SCHEDULE_DEAD_LETTER_ARN", this.deadLetterQueue.queueArn);
  }
}
