/**
 * A Secrets Manager secret holding credentials as JSON, created EMPTY: no value ever appears
 * in the template or the cloud assembly. The operator fills it once with
 * `aws secretsmanager put-secret-value` (see the stack's PutSecretValueCommand outputs). The
 * stack has two: the credentials the workers use, and slack-http's own, which holds the
 * signing secret alone, so the internet-facing function can read nothing else.
 */
import { Fn, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { ARCHIVE_WEB_SECRET_KEYS, CREDENTIAL_KEYS, SIGNING_SECRET_KEYS } from "../../functions/core/config.js";

export type SecretKey = (typeof CREDENTIAL_KEYS)[number] | (typeof SIGNING_SECRET_KEYS)[number] | (typeof ARCHIVE_WEB_SECRET_KEYS)[number];

/** Placeholders shown in the fill-in commands; never real values. */
const PLACEHOLDERS: Record<SecretKey, string> = {
  AMIGO_ORG_ID: "<amigo org id>",
  AMIGO_API_KEY: "<amigo api key>",
  AMIGO_API_KEY_ID: "<amigo api key id>",
  AMIGO_USER_ID: "<amigo user id>",
  SLACK_BOT_TOKEN: "<slack bot token>",
  SLACK_SIGNING_SECRET: "<slack signing secret>",
  SLACK_CLIENT_ID: "<slack app client id>",
  SLACK_CLIENT_SECRET: "<slack app client secret>",
  ARCHIVE_WEB_COOKIE_KEY: "<32+ random characters: openssl rand -base64 32>",
};

export interface CredentialsSecretProps {
  /** The JSON keys it holds (the same names as the environment variables locally). */
  readonly keys: readonly SecretKey[];
  /** Who reads it, for its description. */
  readonly readBy: string;
}

export class CredentialsSecret extends Construct {
  readonly secretArn: string;
  readonly keys: readonly SecretKey[];
  private readonly cfnSecret: secretsmanager.CfnSecret;

  constructor(scope: Construct, id: string, props: CredentialsSecretProps) {
    super(scope, id);
    this.keys = props.keys;
    // CfnSecret, not the Secret L2: the L2 generates a random value when given none, and the
    // CloudFormation resource with neither SecretString nor GenerateSecretString is an empty secret.
    this.cfnSecret = new secretsmanager.CfnSecret(this, "Resource", {
      description: `simwatch credentials read by ${props.readBy}. JSON with keys ${props.keys.join(", ")} and no others. Filled by hand with aws secretsmanager put-secret-value.`,
    });
    this.secretArn = this.cfnSecret.ref;
    Validations.of(this.cfnSecret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "The secret holds third-party credentials (Amigo API key, Slack bot token, signing secret or OpenID client secret, with the archive browser's cookie key beside them) that only Amigo and Slack can issue; Secrets Manager cannot rotate them. They are rotated by hand in those products and put here with put-secret-value.",
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
    const json = JSON.stringify(Object.fromEntries(this.keys.map((key) => [key, PLACEHOLDERS[key]])));
    return Fn.join("", ["aws secretsmanager put-secret-value --secret-id ", this.secretArn, ` --secret-string '${json}'`]);
  }
}
