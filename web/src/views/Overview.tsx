import { useMemo, useState } from "preact/hooks";
import {
  type ApiCredentials,
  CADENCES,
  CHART_METRICS,
  type ChartCadence,
  type ChartMetric,
  type ChartMetricData,
  fetchChartMetric,
} from "../api.js";
import { LineChart } from "../chart.js";
import { DateRangeInputs } from "../dateRange.js";
import { formatNumber, lastDays } from "../format.js";
import { Load } from "../states.js";
import { TableWrap } from "../tableWrap.js";
import { useRequest } from "../useRequest.js";

const COLORS: Record<ChartMetric, string> = {
  signups: "#1f5fbf",
  orgs_created: "#8a3ffc",
  active_users: "#0f7b55",
  active_orgs: "#b3480b",
};

/** The four chart metrics over one date range and cadence. */
export function Overview({ credentials }: { credentials: ApiCredentials }) {
  const [cadence, setCadence] = useState<ChartCadence>("Daily");
  const [range, setRange] = useState(() => lastDays(30));
  const invalid = range.startDate > range.endDate ? "The start date must not be after the end date." : undefined;

  return (
    <>
      <h1>Overview</h1>
      <div class="controls">
        <fieldset class="segmented">
          <legend>Cadence</legend>
          {CADENCES.map((c) => (
            <button key={c} type="button" aria-pressed={cadence === c} onClick={() => setCadence(c)}>
              {c}
            </button>
          ))}
        </fieldset>
        <DateRangeInputs range={range} onChange={setRange} names={{ start: "start-date", end: "end-date" }} />
      </div>
      <p class="note">
        Days are UTC days. <span class="legend-incomplete">Dashed, hollow points</span>: buckets not over yet.
      </p>
      {invalid ? (
        <p class="state error" role="alert">
          {invalid}
        </p>
      ) : (
        <div class="charts">
          {CHART_METRICS.map(({ metric, title }) => (
            <MetricPanel
              key={metric}
              credentials={credentials}
              metric={metric}
              title={title}
              cadence={cadence}
              startDate={range.startDate}
              endDate={range.endDate}
            />
          ))}
        </div>
      )}
    </>
  );
}

interface PanelProps {
  credentials: ApiCredentials;
  metric: ChartMetric;
  title: string;
  cadence: ChartCadence;
  startDate: string;
  endDate: string;
}

function MetricPanel({ credentials, metric, title, cadence, startDate, endDate }: PanelProps) {
  const state = useRequest(
    (signal) => fetchChartMetric(credentials, metric, { cadence, startDate, endDate }, signal),
    [credentials, metric, cadence, startDate, endDate],
  );
  return (
    <section class="panel" id={`chart-${metric}`} data-metric={metric} aria-labelledby={`chart-${metric}-title`}>
      <h2 id={`chart-${metric}-title`}>{title}</h2>
      <Load state={state} what={title.toLowerCase()}>
        {(body) => <MetricChart body={body} title={title} color={COLORS[metric]} />}
      </Load>
    </section>
  );
}

function MetricChart({ body, title, color }: { body: ChartMetricData; title: string; color: string }) {
  const dates = useMemo(() => body.metrics.map((m) => m.date), [body]);
  const series = useMemo(() => [{ label: title, values: body.metrics.map((m) => m.result), color }], [body]);
  const completed = useMemo(() => body.metrics.map((m) => m.cadenceCompleted), [body]);
  const total = body.metrics.reduce((sum, m) => sum + m.result, 0);
  const summary = `${title}, ${body.cadence.toLowerCase()}: ${body.metrics.length} buckets from ${dates[0]} to ${dates.at(-1)}`;
  if (body.metrics.length === 0) return <p class="state empty">No buckets in this range.</p>;
  return (
    <>
      {total === 0 && <p class="state empty">Nothing in this range yet.</p>}
      <LineChart dates={dates} series={series} completed={completed} label={summary} />
      <details>
        <summary>Data ({body.metrics.length} buckets)</summary>
        <TableWrap label={`${title} data`}>
          <table>
            <thead>
              <tr>
                <th scope="col">Bucket</th>
                <th scope="col">{title}</th>
                <th scope="col">Complete</th>
              </tr>
            </thead>
            <tbody>
              {body.metrics.map((m) => (
                <tr key={m.date}>
                  <td>{m.date}</td>
                  <td class="num">{formatNumber(m.result)}</td>
                  <td>{m.cadenceCompleted ? "yes" : "not yet"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      </details>
    </>
  );
}
