/** Lambda: one poller tick, on the EventBridge Scheduler schedule. */
import { lambdaPipeline } from "./lambda-services.js";

export const handler = async () => (await lambdaPipeline()).poll();
