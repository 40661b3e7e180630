/**
 * Runs `refresh` now and then every `everyMs`, never two at once: a refresh slower than the period (a large
 * environment on a disk-backed DynamoDB Local) delays the next instead of piling up. `stop` does not wait for a
 * running refresh: one cut short never switches the snapshot, so the previous one stays served.
 */
export function startRefreshLoop(refresh: () => Promise<void>, everyMs: number): { stop(): void } {
  let running = false;
  const tick = () => {
    if (running) return;
    running = true;
    refresh().finally(() => {
      running = false;
    });
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return { stop: () => clearInterval(timer) };
}
