import { afterEach, describe, expect, it, vi } from "vitest";
import { startRefreshLoop } from "../../scripts/lib/refreshLoop.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("refresh loop", () => {
  it("refreshes at once, then every period, skipping ticks while one is still running", async () => {
    vi.useFakeTimers();
    const finishers: (() => void)[] = [];
    const refresh = vi.fn(() => new Promise<void>((resolve) => finishers.push(resolve)));
    const loop = startRefreshLoop(refresh, 1000);
    expect(refresh).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(2500); // two ticks while the first is running
    expect(refresh).toHaveBeenCalledTimes(1);
    finishers[0]?.();
    await vi.advanceTimersByTimeAsync(1000);
    expect(refresh).toHaveBeenCalledTimes(2);
    finishers[1]?.();
    loop.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(refresh).toHaveBeenCalledTimes(2);
  });
});
