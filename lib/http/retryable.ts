/** Thrown when a batch could not be written now; answered 503 `{"error": "retry"}` (nothing is double-counted). */
export class RetryableError extends Error {
  override name = "RetryableError";
}

/** DynamoDB faults that a client retry can cure: answered 503 so the caller retries, never 500. */
const RETRYABLE = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "TransactionConflictException",
  "InternalServerError",
  "ServiceUnavailable",
  "TimeoutError",
  "RetryableError",
  // The request's own deadline (lib/http/deadline.ts): nothing half-counted, the retry completes it.
  "DeadlineReached",
  // Old days' hour counts still being derived (lib/dashboard/hourRepair.ts): each retry derives further.
  "HoursBeingDerived",
]);

export function isRetryable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (RETRYABLE.has(error.name)) return true;
  // A cancelled transaction whose reasons are throttling or conflicts is just as retryable.
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  return (
    error.name === "TransactionCanceledException" &&
    !!reasons?.some(
      (r) =>
        r.Code === "ThrottlingError" || r.Code === "TransactionConflict" || r.Code === "ProvisionedThroughputExceeded",
    )
  );
}
