/**
 * Asynchronous invocations (EventBridge rules, EventBridge Scheduler) of a function: a bounded
 * number of Lambda retries, a maximum age, then the event and its error go to a dead-letter
 * queue through an on-failure destination.
 */
import { type Duration, Validations } from "aws-cdk-lib";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import type * as sqs from "aws-cdk-lib/aws-sqs";

export interface AsyncFailureProps {
  readonly retryAttempts: number;
  readonly maxEventAge: Duration;
  readonly deadLetterQueue: sqs.IQueue;
}

export function sendAsyncFailuresTo(fn: lambda.Function, props: AsyncFailureProps): void {
  fn.configureAsyncInvoke({
    retryAttempts: props.retryAttempts,
    maxEventAge: props.maxEventAge,
    onFailure: new SqsDestination(props.deadLetterQueue),
  });
  Validations.of(fn).acknowledge({
    id: "Serverless-LambdaDLQ",
    reason:
      "Failed asynchronous invocations go to an SQS on-failure destination (EventInvokeConfig), which records the error with the event; a DeadLetterConfig as well would deliver every failure twice.",
  });
}
