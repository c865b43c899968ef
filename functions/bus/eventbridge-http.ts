/**
 * PutEvents as one signed HTTPS call (AWS JSON 1.1), without the SDK client: the transport
 * of the slack-http function, whose bundle must stay small. Throttling and 5xx are retried
 * here, as the SDK would; batching, size limits and refused entries stay in EventBridgeBus.
 */
import type { PutEventsRequestEntry, PutEventsResultEntry } from "@aws-sdk/client-eventbridge";
import { type AwsCredentials, awsJsonCall, credentialsFromEnv, endpointFor, regionFromEnv, withAwsRetries } from "../aws/sigv4.js";
import type { PutEventsTransport } from "./eventbridge-bus.js";

export interface SignedTransportOptions {
  region?: string;
  credentials?: AwsCredentials;
  endpoint?: URL;
  /** Tries per request for throttling, 5xx and network errors. */
  attempts?: number;
  fetch?: typeof fetch;
}

export function signedHttpTransport(options: SignedTransportOptions = {}): PutEventsTransport {
  const region = options.region ?? regionFromEnv();
  const endpoint = options.endpoint ?? endpointFor("EventBridge", `events.${region}.amazonaws.com`);
  const attempts = options.attempts ?? 3;
  return {
    putEvents(entries: PutEventsRequestEntry[]) {
      return withAwsRetries(
        () =>
          awsJsonCall<{ FailedEntryCount?: number; Entries?: PutEventsResultEntry[] }>({
            service: "events",
            target: "AWSEvents.PutEvents",
            endpoint,
            region,
            // Read per call: Lambda's role credentials are in the environment and may be refreshed.
            credentials: options.credentials ?? credentialsFromEnv(),
            body: { Entries: entries },
            ...(options.fetch ? { fetch: options.fetch } : {}),
          }),
        attempts,
      );
    },
  };
}
