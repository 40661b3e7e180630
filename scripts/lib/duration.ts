/** `REFRESH_EVERY`-style durations: `300`, `300s`, `5m`, `1h` → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text);
  if (!match) throw new Error(`invalid duration "${text}": use e.g. 300, 300s, 5m or 1h`);
  const unit = (match[2] ?? "s").toLowerCase();
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit] as number;
  const ms = Number(match[1]) * factor;
  if (ms < 1000) throw new Error(`invalid duration "${text}": at least one second`);
  return ms;
}
