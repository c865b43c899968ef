/** Lambda: runs a "Command Accepted" slash command or button click against Amigo and answers in Slack. */
import type { Context } from "aws-lambda";
import { decodeEventOf } from "../bus/decode.js";
import { lambdaPipeline } from "./lambda-services.js";

export const handler = async (raw: unknown, context?: Pick<Context, "getRemainingTimeInMillis">) =>
  (await lambdaPipeline("command-worker")).command(decodeEventOf(raw, "Command Accepted").detail, context?.getRemainingTimeInMillis());
