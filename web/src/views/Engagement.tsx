import { useMemo, useState } from "preact/hooks";
import {
  type ActiveUsersEntry,
  type DashboardCredentials,
  fetchActiveUsersByDay,
  fetchNewUsers,
  fetchUsersByTimeOfDay,
  type HourEntry,
  type LocalConfig,
  type NewUsersBody,
} from "../api.js";
import { LineChart } from "../chart.js";
import { DateRangeInputs } from "../dateRange.js";
import { daysBetween, formatNumber, formatSigned, lastDays } from "../format.js";
import { HourHeatmap } from "../hourHeatmap.js";
import { loadDashboardCredentials, saveDashboardCredentials } from "../session.js";
import { Empty, Load } from "../states.js";
import { TableWrap } from "../tableWrap.js";
import { useRequest } from "../useRequest.js";

/** The engagement-dashboard API: its own credentials (a dashboard user id + token), kept in sessionStorage. */
export function Engagement({ config }: { config: LocalConfig }) {
  const [credentials, setCredentials] = useState<DashboardCredentials | undefined>(loadDashboardCredentials);
  const [userId, setUserId] = useState(credentials?.userId ?? config.demo?.user_id ?? "");
  const [authToken, setAuthToken] = useState(credentials?.authToken ?? config.demo?.auth_token ?? "");
  const [range, setRange] = useState(() => lastDays(30));

  const useToken = (event: Event) => {
    event.preventDefault();
    const next = { userId: userId.trim(), authToken: authToken.trim() };
    if (!next.userId || !next.authToken) return;
    saveDashboardCredentials(next);
    setCredentials(next);
  };

  return (
    <>
      <h1>Engagement</h1>
      <form class="panel token-form" onSubmit={useToken}>
        <h2>Dashboard user</h2>
        <p>The engagement dashboard needs a dashboard user's id and token (view-engagement-dashboard).</p>
        {config.demo && <p class="hint">Local demo: the demo dashboard user is filled in.</p>}
        <div class="controls">
          <label>
            User id
            <input name="dashboard-user-id" value={userId} required onInput={(e) => setUserId(e.currentTarget.value)} />
          </label>
          <label>
            Token
            <input
              name="dashboard-token"
              type="password"
              autoComplete="off"
              required
              value={authToken}
              onInput={(e) => setAuthToken(e.currentTarget.value)}
            />
          </label>
          <button type="submit">Show</button>
        </div>
      </form>
      <div class="controls">
        <DateRangeInputs range={range} onChange={setRange} names={{ start: "period-start", end: "period-end" }} />
      </div>
      {credentials ? (
        <EngagementData credentials={credentials} startDate={range.startDate} endDate={range.endDate} />
      ) : (
        <Empty>Enter a dashboard user id and token to see active and new users.</Empty>
      )}
    </>
  );
}

function EngagementData({
  credentials,
  startDate,
  endDate,
}: {
  credentials: DashboardCredentials;
  startDate: string;
  endDate: string;
}) {
  const start = `${startDate}T00:00:00.000Z`;
  const end = `${endDate}T23:59:59.999Z`;
  const state = useRequest(
    (signal) =>
      Promise.all([
        fetchActiveUsersByDay(credentials, start, end, signal),
        fetchNewUsers(credentials, start, end, signal),
        fetchUsersByTimeOfDay(credentials, start, end, signal),
      ]),
    [credentials, start, end],
  );
  return (
    <Load state={state} what="engagement">
      {([active, fresh, byHour]) => (
        <EngagementView
          active={active.month}
          fresh={fresh}
          hours={byHour.week}
          startDate={startDate}
          endDate={endDate}
        />
      )}
    </Load>
  );
}

const pad = (n: number) => String(n).padStart(2, "0");

function EngagementView({
  active,
  fresh,
  hours,
  startDate,
  endDate,
}: {
  active: ActiveUsersEntry[];
  fresh: NewUsersBody;
  hours: HourEntry[];
  startDate: string;
  endDate: string;
}) {
  const activeByDay = useMemo(
    () => new Map(active.map((e) => [`${e.year}-${pad(e.month)}-${pad(e.day)}`, e])),
    [active],
  );
  const newByDay = useMemo(() => new Map(fresh.days.map((d) => [d.day.slice(0, 10), d.users])), [fresh]);
  const days = useMemo(() => daysBetween(startDate, endDate), [startDate, endDate]);
  const series = useMemo(
    () => [
      { label: "Active users", values: days.map((d) => activeByDay.get(d)?.users ?? 0), color: "#0f7b55" },
      { label: "New users", values: days.map((d) => newByDay.get(d) ?? 0), color: "#1f5fbf" },
    ],
    [days, activeByDay, newByDay],
  );
  const rows = [...days].reverse().filter((d) => activeByDay.has(d) || newByDay.has(d));
  return (
    <>
      <dl class="stats">
        <div>
          <dt>New users in the period</dt>
          <dd>
            {formatNumber(fresh.period.count)}{" "}
            <span class="variation">({formatSigned(fresh.period.variation)} vs. the period before)</span>
          </dd>
        </div>
        <div>
          <dt>New users the day before {endDate}</dt>
          <dd>
            {formatNumber(fresh.yesterday.count)}{" "}
            <span class="variation">
              ({formatSigned(fresh.yesterday.variation)} on {endDate})
            </span>
          </dd>
        </div>
        <div>
          <dt>Days with active users</dt>
          <dd>{formatNumber(active.length)}</dd>
        </div>
      </dl>
      {days.length > 0 && (
        <section class="panel" aria-labelledby="engagement-chart-title">
          <h2 id="engagement-chart-title">Active and new users per day</h2>
          <p class="note">
            <span class="key key-active" /> Active users <span class="key key-new" /> New users (UTC days)
          </p>
          <LineChart
            dates={days}
            series={series}
            label={`Active and new users per day from ${startDate} to ${endDate}`}
          />
        </section>
      )}
      <section class="panel" aria-labelledby="engagement-hours-title">
        <h2 id="engagement-hours-title">Activity by hour</h2>
        {hours.length === 0 ? <Empty>No activity in this period.</Empty> : <HourHeatmap entries={hours} />}
      </section>
      <section class="panel" aria-labelledby="engagement-days-title">
        <h2 id="engagement-days-title">Days</h2>
        {rows.length === 0 ? (
          <Empty>No activity or sign-ups in this period.</Empty>
        ) : (
          <TableWrap label="Engagement by day">
            <table>
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  <th scope="col" class="num">
                    Active
                  </th>
                  <th scope="col" class="num">
                    New
                  </th>
                  <th scope="col">Active users</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((d) => {
                  const entry = activeByDay.get(d);
                  const ids = entry?.usersList ?? [];
                  return (
                    <tr key={d}>
                      <th scope="row">{d}</th>
                      <td class="num">{formatNumber(entry?.users ?? 0)}</td>
                      <td class="num">{formatNumber(newByDay.get(d) ?? 0)}</td>
                      <td class="ids">
                        {ids.slice(0, 5).join(", ")}
                        {ids.length > 5 ? ` and ${ids.length - 5} more` : ""}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
    </>
  );
}
