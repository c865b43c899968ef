/**
 * Lambda: the poller on the EventBridge Scheduler schedule (every minute). While runs are in
 * progress it keeps ticking inside the invocation (fast follow) until shortly before its timeout.
 */
import type { Context } from "aws-lambda";
import { lambdaPipeline } from "./lambda-services.js";

export const handler = async (_event?: unknown, context?: Pick<Context, "getRemainingTimeInMillis">) => {
  const reports = await (await lambdaPipeline("poller")).follow(() => context?.getRemainingTimeInMillis() ?? 0);
  return reports.at(-1);
};
