/** The EventBridge bus when EVENT_BUS_NAME is configured; undefined means "use the in-process bus". */
import type { Config } from "../core/config.js";
import type { Logger } from "../core/log.js";
import type { StateStore } from "../core/ports.js";
import { EventBridgeBus } from "./eventbridge-bus.js";
import { sdkTransport } from "./eventbridge-sdk.js";

export function eventBridgeBusFromConfig(config: Pick<Config, "EVENT_BUS_NAME">, state: StateStore, log: Logger): EventBridgeBus | undefined {
  return config.EVENT_BUS_NAME ? new EventBridgeBus({ busName: config.EVENT_BUS_NAME, transport: sdkTransport(), state, log }) : undefined;
}
