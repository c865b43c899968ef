/**
 * cdk-nag acknowledgements for wildcard resources, computed from the very ARN the policy grants.
 *
 * cdk-nag names an IAM5 finding after the resource as it appears in the synthesized policy:
 * tokens flattened (`<Bucket.Arn>`, `<AWS::Region>`) and literals kept. An environment-agnostic
 * synth gives `arn:<AWS::Partition>:scheduler:<AWS::Region>:...`, a synth with a region gives
 * `arn:aws:scheduler:eu-central-1:...`, so a hand-spelled id matches one of them only. Resolving
 * the ARN in its stack and flattening it with cdk-nag's own function matches in every environment.
 */
import { Stack, Validations } from "aws-cdk-lib";
import { flattenCfnReference } from "cdk-nag/lib/utils/flatten-cfn-reference.js";
import type { IConstruct } from "constructs";

/** The id cdk-nag's AwsSolutions-IAM5 gives a policy statement on `resourceArn`. */
export function wildcardResourceFinding(scope: IConstruct, resourceArn: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(resourceArn))}]`;
}

/** Acknowledges, on `scope` (the role whose policy holds it), the wildcard in `resourceArn`. */
export function acknowledgeWildcardResource(scope: IConstruct, resourceArn: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: wildcardResourceFinding(scope, resourceArn), reason });
}
