/**
 * Lambda configuration: the environment plus the one Secrets Manager secret named by
 * SECRET_ARN (JSON with the same key names), read once per container and cached.
 */
import { awsJsonCall, credentialsFromEnv, endpointFor, regionFromEnv } from "../aws/sigv4.js";
import { type Config, parseConfig, parseSecretJson } from "../core/config.js";

/** secretsmanager:GetSecretValue as one signed call (no SDK client: every handler's bundle stays lean). */
async function readSecret(secretId: string, env: Record<string, string | undefined>): Promise<string | undefined> {
  const region = regionFromEnv(env);
  const answer = await awsJsonCall<{ SecretString?: string }>({
    service: "secretsmanager",
    target: "secretsmanager.GetSecretValue",
    endpoint: endpointFor("Secrets Manager", `secretsmanager.${region}.amazonaws.com`, env),
    region,
    credentials: credentialsFromEnv(env),
    body: { SecretId: secretId },
  });
  return answer.SecretString;
}

let cached: Promise<Config> | undefined;

export function lambdaConfig(env: Record<string, string | undefined> = process.env): Promise<Config> {
  cached ??= (async () => {
    const secretArn = env.SECRET_ARN;
    const secret = secretArn ? parseSecretJson(await readSecret(secretArn, env)) : {};
    return parseConfig({ ...env, ...secret });
  })();
  // A failed read (throttling, a secret not filled yet) is retried on the next invocation.
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}
