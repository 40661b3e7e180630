import { useMemo } from "preact/hooks";
import type { HourEntry } from "./api.js";
import { formatNumber } from "./format.js";
import { TableWrap } from "./tableWrap.js";

/**
 * The Engagement view's activity by hour: a weekday × UTC hour-of-day grid from users-by-time-of-the-day-in-a-week
 * (CONTRACT §10). Each cell sums the distinct active users of that clock hour over the period's days of that weekday
 * (user-hours). Why a table: every cell is a real cell with its row (weekday) and column (hour) headers, so screen
 * readers announce "Tuesday, 14:00, 3" and keyboard users scroll it in its focusable wrapper (TableWrap) at 375 px;
 * the shade is only a second channel for the number printed in the cell.
 */

const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const HOURS = Array.from({ length: 24 }, (_, h) => h);
const pad = (n: number) => String(n).padStart(2, "0");

/** Cell sums by ISO weekday (0 = Monday) and hour; pure. */
export function heatmapCells(entries: HourEntry[]): number[][] {
  const cells = WEEKDAYS.map(() => HOURS.map(() => 0));
  for (const e of entries) {
    const weekday = (new Date(Date.UTC(e.year, e.month - 1, e.day)).getUTCDay() + 6) % 7;
    const row = cells[weekday] as number[];
    row[e.hour] = (row[e.hour] ?? 0) + e.users;
  }
  return cells;
}

export function HourHeatmap({ entries }: { entries: HourEntry[] }) {
  const cells = useMemo(() => heatmapCells(entries), [entries]);
  const max = Math.max(0, ...cells.flat());
  return (
    <TableWrap label="Activity by hour">
      <table class="heatmap">
        <caption class="note">
          Active users per UTC hour, summed over the period's days of each weekday (darker: more).
        </caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            {HOURS.map((h) => (
              <th scope="col" class="num" key={h} abbr={`${pad(h)}:00`}>
                {pad(h)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {WEEKDAYS.map((weekday, d) => (
            <tr key={weekday}>
              <th scope="row" abbr={weekday}>
                {weekday.slice(0, 3)}
              </th>
              {HOURS.map((h) => {
                const users = cells[d]?.[h] ?? 0;
                const level = max === 0 || users === 0 ? 0 : Math.ceil((users / max) * 4);
                return (
                  <td key={h} class={`num heat heat-${level}`}>
                    {formatNumber(users)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
