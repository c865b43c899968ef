/**
 * An SQS dead-letter queue: SSE-SQS encrypted, TLS only, fourteen days to look at what failed.
 * It is the end of the line, so it has no dead-letter queue of its own (acknowledged for cdk-nag).
 */
import { Duration, Validations } from "aws-cdk-lib";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

export class DeadLetterQueue extends Construct {
  readonly queue: sqs.Queue;

  constructor(scope: Construct, id: string, props: { readonly purpose: string }) {
    super(scope, id);
    this.queue = new sqs.Queue(this, "Queue", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const reason = `This queue is itself a dead-letter queue (${props.purpose}); its depth is alarmed and messages are inspected or redriven by hand, so a further dead-letter queue would only hide them.`;
    Validations.of(this.queue).acknowledge({ id: "AwsSolutions-SQS3", reason });
    Validations.of(this.queue).acknowledge({ id: "Serverless-SQSRedrivePolicy", reason });
  }
}
