/** Lambda: on "Artifacts Ready", stream the run's artifacts into the archive. */
import { decodeEventOf } from "../bus/decode.js";
import { lambdaPipeline } from "./lambda-services.js";

export const handler = async (raw: unknown) => (await lambdaPipeline("archiver")).archive(decodeEventOf(raw, "Artifacts Ready").detail);
