/** Lambda: Run Started / Run Finished / Run Archived become one Slack message per run, edited in place. */
import { decodeEventBridgeEvent } from "../bus/decode.js";
import { lambdaPipeline } from "./lambda-services.js";

export const handler = async (raw: unknown) => (await lambdaPipeline("notifier")).notify(decodeEventBridgeEvent(raw));
