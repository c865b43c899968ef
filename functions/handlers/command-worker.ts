/**
 * Lambda: carries out a "Command Accepted" slash command or button click, or a schedule's
 * "Scheduled Run Due", against Amigo and answers in Slack; publishes a person's Home tab on
 * "Home Opened", and refreshes the Homes a "Run Finished" concerns ("Home Refresh Due" goes on).
 */
import type { Context } from "aws-lambda";
import { decodeEventBridgeEvent } from "../bus/decode.js";
import { EventDecodeError } from "../bus/errors.js";
import { lambdaPipeline } from "./lambda-services.js";

export const handler = async (raw: unknown, context?: Pick<Context, "getRemainingTimeInMillis">) => {
  const event = decodeEventBridgeEvent(raw);
  const remainingMs = context?.getRemainingTimeInMillis();
  const pipeline = await lambdaPipeline("command-worker");
  if (event.detailType === "Command Accepted") return pipeline.command(event.detail, remainingMs);
  if (event.detailType === "Scheduled Run Due") return pipeline.scheduledRun(event.detail, remainingMs);
  if (event.detailType === "Home Opened") return pipeline.homeOpened(event.detail, remainingMs);
  if (event.detailType === "Run Finished") return pipeline.homeRunFinished(event.detail, remainingMs);
  if (event.detailType === "Home Refresh Due") return pipeline.homeRefreshDue(remainingMs);
  throw new EventDecodeError([`detail-type: expected "Command Accepted", "Scheduled Run Due", "Home Opened", "Run Finished" or "Home Refresh Due", got "${event.detailType}"`]);
};
