/**
 * simwatch's one custom EventBridge bus, and one rule per detail-type routing it to the
 * function(s) that consume it. Every target has a retry policy, a maximum event age and a
 * dead-letter queue for events EventBridge could not deliver.
 */
import { Duration } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { type DetailType, EVENT_SOURCE } from "../../functions/core/events.js";

export interface BusTarget {
  readonly function: lambda.IFunction;
  readonly deadLetterQueue: sqs.IQueue;
}

/** Retries and age for EventBridge's delivery to Lambda (Lambda's own async retries come after). */
export const BUS_DELIVERY = { retryAttempts: 8, maxEventAge: Duration.hours(2) } as const;

export class SimwatchBus extends Construct {
  readonly bus: events.EventBus;
  readonly rules = new Map<DetailType, events.Rule>();

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bus = new events.EventBus(this, "Bus", {
      description: "simwatch: Run Started, Run Finished, Artifacts Ready, Run Archived and Command Accepted events (source simwatch)",
    });
  }

  /** Routes `detailType` events (source "simwatch") to every target given. */
  route(detailType: DetailType, ...routeTargets: BusTarget[]): events.Rule {
    const rule =
      this.rules.get(detailType) ??
      new events.Rule(this, ruleId(detailType), {
        eventBus: this.bus,
        description: `simwatch "${detailType}" events`,
        eventPattern: { source: [EVENT_SOURCE], detailType: [detailType] },
      });
    this.rules.set(detailType, rule);
    for (const target of routeTargets) {
      rule.addTarget(
        new targets.LambdaFunction(target.function, {
          deadLetterQueue: target.deadLetterQueue,
          retryAttempts: BUS_DELIVERY.retryAttempts,
          maxEventAge: BUS_DELIVERY.maxEventAge,
        }),
      );
    }
    return rule;
  }
}

const ruleId = (detailType: string) => `${detailType.replace(/[^A-Za-z0-9]/g, "")}Rule`;
