/**
 * Lambda: the poller on the EventBridge Scheduler schedule (every minute). While runs are in
 * progress it keeps ticking inside the invocation (fast follow) until shortly before its timeout,
 * or earlier when the next scheduled invocation would otherwise tick sooner than the pace allows.
 */
import type { Context } from "aws-lambda";
import { lambdaPipeline } from "./lambda-services.js";

export const handler = async (_event?: unknown, context?: Pick<Context, "getRemainingTimeInMillis">) => {
  const invokedAt = Date.now();
  const pipeline = await lambdaPipeline("poller");
  const reports = await pipeline.follow({
    remainingMs: () => context?.getRemainingTimeInMillis() ?? 0,
    nextInvocationInMs: () => invokedAt + pipeline.scheduleIntervalMs - Date.now(),
  });
  return reports.at(-1);
};
