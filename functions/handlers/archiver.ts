/** Lambda: on "Artifacts Ready", stream the run's artifacts into the archive, within the invocation's time. */
import type { Context } from "aws-lambda";
import { decodeEventOf } from "../bus/decode.js";
import { lambdaPipeline } from "./lambda-services.js";

export const handler = async (raw: unknown, context?: Pick<Context, "getRemainingTimeInMillis">) =>
  (await lambdaPipeline("archiver")).archive(decodeEventOf(raw, "Artifacts Ready").detail, context ? () => context.getRemainingTimeInMillis() : undefined);
