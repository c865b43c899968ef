/**
 * Lambda configuration: the environment plus the function's Secrets Manager secret named by
 * SECRET_ARN (JSON with the same key names), read once per container and cached. Each secret
 * may hold only its own keys (slack-http's: the signing secret alone), so a credential pasted
 * into the wrong secret stops the function with a message naming the key, never its value;
 * and the allow-lists come from the stack's settings alone, the same for every function.
 */
import { awsJsonCall, credentialsFromEnv, endpointFor, regionFromEnv } from "../aws/sigv4.js";
import { type Config, ConfigError, CREDENTIAL_KEYS, parseConfig, parseSecretJson } from "../core/config.js";

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

function onlyKeys(secret: Record<string, string>, keys: readonly string[]): Record<string, string> {
  const foreign = Object.keys(secret).filter((key) => !keys.includes(key));
  if (foreign.length > 0) {
    throw new ConfigError([{ variable: "SECRET_ARN", message: `this function's secret must hold only ${keys.join(", ")}; remove ${foreign.join(", ")}` }]);
  }
  return secret;
}

/** By secret: one process runs one function in Lambda, but tests run several. */
const cached = new Map<string, Promise<Config>>();

export function lambdaConfig(env: Record<string, string | undefined> = process.env, keys: readonly string[] = CREDENTIAL_KEYS): Promise<Config> {
  const secretArn = env.SECRET_ARN ?? "";
  let config = cached.get(secretArn);
  if (!config) {
    config = (async () => {
      const secret = secretArn ? onlyKeys(parseSecretJson(await readSecret(secretArn, env)), keys) : {};
      return parseConfig({ ...env, ...secret });
    })();
    cached.set(secretArn, config);
    // A failed read (throttling, a secret not filled yet) is retried on the next invocation.
    config.catch(() => cached.delete(secretArn));
  }
  return config;
}
