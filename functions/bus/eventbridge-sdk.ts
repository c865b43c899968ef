/** PutEvents through the AWS SDK client: credentials from the SDK's chain, throttling and 5xx retried by it. */
import { EventBridgeClient, type EventBridgeClientConfig, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import type { PutEventsTransport } from "./eventbridge-bus.js";

/**
 * Either a ready client, or what to build one from: `region` defaults to the SDK's own lookup
 * (AWS_REGION in Lambda); `endpoint` and static `credentials` are for tests.
 */
export type EventBridgeConnection =
  | { client: EventBridgeClient }
  | { region?: string; endpoint?: string; credentials?: EventBridgeClientConfig["credentials"]; maxAttempts?: number };

export function sdkTransport(connection: EventBridgeConnection = {}): PutEventsTransport {
  const owned = !("client" in connection);
  const client =
    "client" in connection
      ? connection.client
      : new EventBridgeClient({
          ...(connection.region === undefined ? {} : { region: connection.region }),
          ...(connection.endpoint === undefined ? {} : { endpoint: connection.endpoint }),
          ...(connection.credentials === undefined ? {} : { credentials: connection.credentials }),
          maxAttempts: connection.maxAttempts ?? 4,
          retryMode: "standard",
        });
  return {
    putEvents: (entries) => client.send(new PutEventsCommand({ Entries: entries })),
    close: () => {
      if (owned) client.destroy();
    },
  };
}
