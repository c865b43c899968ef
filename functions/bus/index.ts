/** The bus adapters: EventBridge and in-process EventBus implementations, and the consumer side. */
export { EventBridgeBus, DEFAULT_EVENTBRIDGE_RETRY } from "./eventbridge-bus.js";
export type { EventBridgeBusOptions, EventBridgeRetrySettings, PutEventsTransport } from "./eventbridge-bus.js";
export { type EventBridgeConnection, sdkTransport } from "./eventbridge-sdk.js";
export { InProcessBus } from "./in-process-bus.js";
export type { DeadLetter, EventHandler, InProcessBusOptions } from "./in-process-bus.js";
export { decodeEventBridgeEvent, decodeEventOf } from "./decode.js";
export type { DecodedEvent, SimwatchLambdaEvent } from "./decode.js";
export { resolveRunFinished } from "./resolve.js";
export type { ResolvedRunFinished } from "./resolve.js";
export { storeRunSummary, loadRunSummary } from "./summary-store.js";
export { entrySize, MAX_ENTRIES_PER_REQUEST, MAX_ENTRY_BYTES, MAX_REQUEST_BYTES } from "./entry-size.js";
export { BusClosedError, EventDecodeError, EventTooLargeError, PublishFailedError, SummaryMissingError } from "./errors.js";
export type { FailedEntry } from "./errors.js";
