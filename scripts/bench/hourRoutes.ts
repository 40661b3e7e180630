import { DAY_MS, HOUR_MS } from "../../lib/time.js";

/**
 * The activity-by-hour routes (CONTRACT §10) the bench measures at each ingested size: what a request reads grows
 * with the days / hours with data in its period (the hour counts: live `HC` items, one generation item per month,
 * and the derived items of old days), except hourly-data at an instant off an even hour, which reads the members of
 * its ≤ 2 days (lib/dashboard/hours.ts). The bench's history is ingested with its days old (lib/ingest/
 * hourGenerations.ts), so the first users-by-time read of a period recomputes its old days from their members (the
 * repair, once per generation of a day) and the same read again costs one derived item per day with data.
 */
export function hourRoutes(now: number): [name: string, path: string][] {
  const iso = (ms: number) => new Date(ms).toISOString();
  const evenHour = Math.floor(now / (2 * HOUR_MS)) * 2 * HOUR_MS;
  const base = "/api/v1/engagement-dashboard/users";
  return [
    ...(["first read (repairs old days)", "again (derived items)"] as const).flatMap((when): [string, string][] => [
      [
        `dashboard users-by-time, last 7 days, ${when}`,
        `${base}/users-by-time-of-the-day-in-a-week?start=${iso(now - 7 * DAY_MS)}&end=${iso(now)}`,
      ],
      [
        `dashboard users-by-time, last 2 years, ${when}`,
        `${base}/users-by-time-of-the-day-in-a-week?start=${iso(now - 730 * DAY_MS)}&end=${iso(now)}`,
      ],
    ]),
    ["dashboard hourly-data, start on an even hour", `${base}/chat-busier/hourly-data?start=${iso(evenHour)}`],
    ["dashboard hourly-data, start now (mid-hour)", `${base}/chat-busier/hourly-data?start=${iso(now)}`],
    ["dashboard weekly-data", `${base}/chat-busier/weekly-data?start=${iso(now)}`],
  ];
}
