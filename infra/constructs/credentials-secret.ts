/**
 * The one Secrets Manager secret holding the Amigo and Slack credentials, created EMPTY:
 * no value ever appears in the template or the cloud assembly. The operator fills it once
 * with `aws secretsmanager put-secret-value` (see the PutSecretValueCommand output).
 */
import { Fn, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";

/** The JSON keys the secret holds (the same names as the environment variables locally). */
export const SECRET_KEYS = [
  "AMIGO_ORG_ID",
  "AMIGO_API_KEY",
  "AMIGO_API_KEY_ID",
  "AMIGO_USER_ID",
  "SLACK_BOT_TOKEN",
  "SLACK_SIGNING_SECRET",
] as const;

/** Placeholders shown in the fill-in command; never real values. */
const PLACEHOLDERS: Record<(typeof SECRET_KEYS)[number], string> = {
  AMIGO_ORG_ID: "<amigo org id>",
  AMIGO_API_KEY: "<amigo api key>",
  AMIGO_API_KEY_ID: "<amigo api key id>",
  AMIGO_USER_ID: "<amigo user id>",
  SLACK_BOT_TOKEN: "<slack bot token>",
  SLACK_SIGNING_SECRET: "<slack signing secret>",
};

export class CredentialsSecret extends Construct {
  readonly secretArn: string;
  private readonly cfnSecret: secretsmanager.CfnSecret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // CfnSecret, not the Secret L2: the L2 generates a random value when given none, and the
    // CloudFormation resource with neither SecretString nor GenerateSecretString is an empty secret.
    this.cfnSecret = new secretsmanager.CfnSecret(this, "Resource", {
      description: `simwatch credentials. JSON with keys ${SECRET_KEYS.join(", ")}. Filled by hand with aws secretsmanager put-secret-value.`,
    });
    this.secretArn = this.cfnSecret.ref;
    Validations.of(this.cfnSecret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "The secret holds third-party credentials (Amigo API key, Slack bot token and signing secret) that only Amigo and Slack can issue; Secrets Manager cannot rotate them. They are rotated by hand in those products and put here with put-secret-value.",
    });
  }

  /** secretsmanager:GetSecretValue on this secret only. */
  grantRead(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["secretsmanager:GetSecretValue"], resources: [this.secretArn] }),
    );
  }

  /** The exact command that fills the secret, with placeholders in place of values. */
  putSecretValueCommand(): string {
    const json = JSON.stringify(Object.fromEntries(SECRET_KEYS.map((key) => [key, PLACEHOLDERS[key]])));
    return Fn.join("", ["aws secretsmanager put-secret-value --secret-id ", this.secretArn, ` --secret-string '${json}'`]);
  }
}
