/**
 * Lambda configuration: the environment plus the one Secrets Manager secret named by
 * SECRET_ARN (JSON with the same key names), read once per container and cached.
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { type Config, parseConfig, parseSecretJson } from "../core/config.js";

let cached: Promise<Config> | undefined;

export function lambdaConfig(env: Record<string, string | undefined> = process.env): Promise<Config> {
  cached ??= (async () => {
    const secretArn = env.SECRET_ARN;
    const secret = secretArn
      ? parseSecretJson((await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString)
      : {};
    return parseConfig({ ...env, ...secret });
  })();
  // A failed read (throttling, a secret not filled yet) is retried on the next invocation.
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}
