/** Lambda: runs a "Command Accepted" slash command or button click against Amigo and answers in Slack. */
import { decodeEventOf } from "../bus/decode.js";
import { lambdaPipeline } from "./lambda-services.js";

export const handler = async (raw: unknown) => (await lambdaPipeline()).command(decodeEventOf(raw, "Command Accepted").detail);
