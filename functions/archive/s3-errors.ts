/** Classifies S3 errors by what a store does with them (AWS and RADOS Gateway alike). */

function describe(error: unknown): { name?: string; status?: number } {
  if (typeof error !== "object" || error === null) return {};
  const { name, $metadata } = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  return {
    ...(typeof name === "string" && { name }),
    ...(typeof $metadata?.httpStatusCode === "number" && { status: $metadata.httpStatusCode }),
  };
}

/**
 * No such key (GET: NoSuchKey, HEAD: NotFound with no body). A missing bucket is not a
 * missing key: GET's NoSuchBucket stays an error (HEAD cannot tell the two apart).
 */
export function isNotFound(error: unknown): boolean {
  const { name, status } = describe(error);
  return name === "NoSuchKey" || name === "NotFound" || (status === 404 && name !== "NoSuchBucket");
}

/** A conditional write's precondition did not hold (If-None-Match / If-Match). */
export function isPreconditionFailed(error: unknown): boolean {
  const { name, status } = describe(error);
  return name === "PreconditionFailed" || status === 412;
}

/**
 * AWS answers 409 ConditionalRequestConflict when a conditional write races another write
 * to the same key; the documented remedy is to retry the request.
 */
export function isConditionalConflict(error: unknown): boolean {
  const { name, status } = describe(error);
  return name === "ConditionalRequestConflict" || status === 409;
}

export function isNoSuchUpload(error: unknown): boolean {
  const { name, status } = describe(error);
  return name === "NoSuchUpload" || status === 404;
}

/** 403 AccessDenied: what S3 answers for a missing key to a reader without s3:ListBucket. */
export function isAccessDenied(error: unknown): boolean {
  const { name, status } = describe(error);
  return name === "AccessDenied" || status === 403;
}
