/**
 * Waits before retry `attempt` (1, 2, …): exponential from 25 ms, capped at 2 s, with jitter so that clients retrying
 * the same conflict or throttle do not come back in step.
 */
export function backoff(attempt: number): Promise<void> {
  const ms = Math.min(2000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
