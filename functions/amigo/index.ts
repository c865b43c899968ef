/** The Amigo API client (see client.ts); error classes live in core/model/amigo-errors.ts. */
export { type AmigoClient, createAmigoClient } from "./client.js";
export { AMIGO_ENDPOINTS, type AmigoEndpoint, describeEndpoint, PAGE_LIMITS } from "./endpoints.js";
export { readErrorDetail } from "./error-mapping.js";
export { type AmigoLogger, jsonLineLogger, type LogEntry, silentLogger } from "./logger.js";
export type { AmigoClientOptions, AmigoRequestInfo } from "./options.js";
export { DEFAULT_RETRY, type RetryOptions } from "./retry-policy.js";
export type { FetchLike } from "./transport.js";
