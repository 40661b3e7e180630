import { useState } from "preact/hooks";
import {
  type ApiCredentials,
  CADENCES,
  type ChartCadence,
  CURVE_ENTITIES,
  type CurveEntity,
  downloadCurveCsv,
  fetchLifecycle,
  fetchRetention,
  fetchStickiness,
  type Lifecycle,
  type Retention,
  type Stickiness,
  type StickinessInterval,
} from "../api.js";
import { DownloadCsv } from "../downloadCsv.js";
import { formatNumber, formatUnix } from "../format.js";
import { Load } from "../states.js";
import { TableWrap } from "../tableWrap.js";
import { useRequest } from "../useRequest.js";

/**
 * Retention cohorts, lifecycle and stickiness of the latest snapshot (CONTRACT §10). Each chart is plain SVG with
 * a text summary for screen readers and its numbers in a table below, so nothing is only a picture; the controls
 * are buttons with `aria-pressed`, the same as the overview's cadence.
 */

const UNIT: Record<ChartCadence, string> = { Daily: "Day", Weekly: "Week", Monthly: "Month" };
const percent = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((100 * part) / whole));

function Segmented<T extends string>({
  legend,
  options,
  value,
  onChange,
}: {
  legend: string;
  options: { value: T; title: string }[];
  value: T;
  onChange: (value: T) => void;
}) {
  return (
    <fieldset class="segmented">
      <legend>{legend}</legend>
      {options.map((o) => (
        <button key={o.value} type="button" aria-pressed={value === o.value} onClick={() => onChange(o.value)}>
          {o.title}
        </button>
      ))}
    </fieldset>
  );
}

export function Cohorts({ credentials }: { credentials: ApiCredentials }) {
  const [entity, setEntity] = useState<CurveEntity>("users");
  const [cadence, setCadence] = useState<ChartCadence>("Weekly");
  const [windowDays, setWindowDays] = useState<StickinessInterval>("30");
  const retention = useRequest(
    (signal) => fetchRetention(credentials, entity, cadence, signal),
    [credentials, entity, cadence],
  );
  const lifecycle = useRequest(
    (signal) => fetchLifecycle(credentials, entity, cadence, signal),
    [credentials, entity, cadence],
  );
  const stickiness = useRequest(
    (signal) => fetchStickiness(credentials, entity, windowDays, signal),
    [credentials, entity, windowDays],
  );
  const noun = entity === "users" ? "users" : "orgs";
  return (
    <>
      <h1>Retention</h1>
      <div class="controls">
        <Segmented
          legend="Of"
          options={CURVE_ENTITIES.map((e) => ({ value: e.entity, title: e.title }))}
          value={entity}
          onChange={setEntity}
        />
        <Segmented
          legend="Buckets"
          options={CADENCES.map((c) => ({ value: c, title: c }))}
          value={cadence}
          onChange={setCadence}
        />
      </div>
      <p class="note">
        Buckets are UTC days, ISO weeks (dated by their Monday) or months, ending with the one holding the snapshot's
        time; that last bucket counts activity before it only.
      </p>
      <section class="panel" id="retention" aria-labelledby="retention-title">
        <h2 id="retention-title">Retention cohorts</h2>
        <p class="download">
          <DownloadCsv download={() => downloadCurveCsv(credentials, "retention", entity, cadence)} />
        </p>
        <Load state={retention} what="retention">
          {(body) => <RetentionTable body={body} noun={noun} />}
        </Load>
      </section>
      <section class="panel" id="lifecycle" aria-labelledby="lifecycle-title">
        <h2 id="lifecycle-title">Lifecycle</h2>
        <p class="download">
          <DownloadCsv download={() => downloadCurveCsv(credentials, "lifecycle", entity, cadence)} />
        </p>
        <Load state={lifecycle} what="lifecycle">
          {(body) => <LifecycleChart body={body} noun={noun} />}
        </Load>
      </section>
      <section class="panel" id="stickiness" aria-labelledby="stickiness-title">
        <h2 id="stickiness-title">Stickiness</h2>
        <p class="download">
          <DownloadCsv download={() => downloadCurveCsv(credentials, "stickiness", entity, windowDays)} />
        </p>
        <div class="controls">
          <Segmented
            legend="Window"
            options={[
              { value: "7" as const, title: "7 days" },
              { value: "30" as const, title: "30 days" },
            ]}
            value={windowDays}
            onChange={setWindowDays}
          />
        </div>
        <Load state={stickiness} what="stickiness">
          {(body) => <StickinessChart body={body} noun={noun} />}
        </Load>
      </section>
    </>
  );
}

/** White to a mid blue: dark text stays above 4.5:1 contrast on every shade (WCAG AA). */
function shade(fraction: number): string {
  const mix = (to: number) => Math.round(255 - fraction * (255 - to));
  return `rgb(${mix(0x6f)}, ${mix(0xa3)}, ${mix(0xe0)})`;
}

function RetentionTable({ body, noun }: { body: Retention; noun: string }) {
  const unit = UNIT[body.cadence];
  const columns = body.cohorts.length;
  return (
    <>
      <p class="meta">
        As of {formatUnix(body.reportTime)}. Each row: the {noun} created in a {unit.toLowerCase()} and the share of
        them active in each {unit.toLowerCase()} since (count below the share).
      </p>
      <TableWrap label="Retention cohorts">
        <table class="retention" data-cohorts={columns}>
          <thead>
            <tr>
              <th scope="col">Cohort</th>
              <th scope="col" class="num">
                Size
              </th>
              {body.cohorts.map((_, k) => (
                <th key={k} scope="col" class="num">
                  {unit} {k}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {body.cohorts.map((c) => (
              <tr key={c.cohort}>
                <th scope="row">{c.cohort}</th>
                <td class="num">{formatNumber(c.size)}</td>
                {Array.from({ length: columns }, (_, k) => {
                  const retained = c.retained[k];
                  if (retained === undefined) return <td key={k} class="future" />;
                  if (c.size === 0)
                    return (
                      <td key={k} class="num cell">
                        –
                      </td>
                    );
                  const share = percent(retained, c.size);
                  return (
                    <td
                      key={k}
                      class="num cell"
                      style={{ background: shade(retained / c.size) }}
                      title={`${formatNumber(retained)} of ${formatNumber(c.size)} ${noun} of ${c.cohort} active in ${unit.toLowerCase()} ${k}`}
                    >
                      {share}%<span class="count">{formatNumber(retained)}</span>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </>
  );
}

const LIFECYCLE_PARTS = [
  { key: "new", title: "New", color: "#1f5fbf" },
  { key: "returning", title: "Returning", color: "#0f7b55" },
  { key: "resurrecting", title: "Resurrecting", color: "#8a3ffc" },
  { key: "dormant", title: "Dormant", color: "#b3480b" },
] as const;

const WIDTH = 640;
const HEIGHT = 240;
const AXIS = 4;

function LifecycleChart({ body, noun }: { body: Lifecycle; noun: string }) {
  const up = (b: Lifecycle["buckets"][number]) => b.new + b.returning + b.resurrecting;
  const maxUp = Math.max(0, ...body.buckets.map(up));
  const maxDown = Math.max(0, ...body.buckets.map((b) => b.dormant));
  const span = Math.max(1, maxUp + maxDown);
  const plot = HEIGHT - AXIS;
  const scale = plot / span;
  const zero = maxUp * scale;
  const slot = WIDTH / Math.max(1, body.buckets.length);
  const barWidth = Math.max(2, slot * 0.7);
  const totals = LIFECYCLE_PARTS.map((p) => body.buckets.reduce((sum, b) => sum + b[p.key], 0));
  const summary =
    `Lifecycle of ${noun}, ${body.buckets.length} ${body.cadence.toLowerCase()} buckets from ${body.buckets[0]?.date} ` +
    `to ${body.buckets.at(-1)?.date}: ` +
    LIFECYCLE_PARTS.map((p, i) => `${p.title.toLowerCase()} ${formatNumber(totals[i] as number)}`).join(", ");
  return (
    <>
      <p class="note">
        {LIFECYCLE_PARTS.map((p) => (
          <span key={p.key} class="legend-item">
            <span class="key" style={{ background: p.color }} /> {p.title}
          </span>
        ))}{" "}
        — new, returning and resurrecting above the line, dormant below it.
      </p>
      <svg
        class="bars"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={summary}
        data-bars={body.buckets.length}
      >
        {body.buckets.map((b, i) => {
          const x = i * slot + (slot - barWidth) / 2;
          let top = zero;
          const rects = LIFECYCLE_PARTS.slice(0, 3).map((p) => {
            const h = b[p.key] * scale;
            top -= h;
            return (
              <rect key={p.key} x={x} y={top} width={barWidth} height={h} fill={p.color}>
                <title>{`${b.date}: ${p.title.toLowerCase()} ${b[p.key]}`}</title>
              </rect>
            );
          });
          return (
            <g key={b.date}>
              {rects}
              <rect x={x} y={zero} width={barWidth} height={b.dormant * scale} fill="#b3480b">
                <title>{`${b.date}: dormant ${b.dormant}`}</title>
              </rect>
            </g>
          );
        })}
        <line x1={0} x2={WIDTH} y1={zero} y2={zero} stroke="#444" />
      </svg>
      <p class="axis-labels" aria-hidden="true">
        <span>{body.buckets[0]?.date}</span>
        <span>{body.buckets.at(-1)?.date}</span>
      </p>
      <details>
        <summary>Data ({body.buckets.length} buckets)</summary>
        <TableWrap label="Lifecycle data">
          <table>
            <thead>
              <tr>
                <th scope="col">Bucket</th>
                {LIFECYCLE_PARTS.map((p) => (
                  <th key={p.key} scope="col" class="num">
                    {p.title}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {body.buckets.map((b) => (
                <tr key={b.date}>
                  <th scope="row">{b.date}</th>
                  {LIFECYCLE_PARTS.map((p) => (
                    <td key={p.key} class="num">
                      {formatNumber(b[p.key])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      </details>
    </>
  );
}

function StickinessChart({ body, noun }: { body: Stickiness; noun: string }) {
  const max = Math.max(1, ...body.days.map((d) => d.count));
  const plot = HEIGHT - AXIS;
  const slot = WIDTH / Math.max(1, body.days.length);
  const barWidth = Math.max(2, slot * 0.7);
  const summary =
    `Stickiness of ${noun} over ${body.reportInterval} days: ${formatNumber(body.active)} active; ` +
    body.days
      .filter((d) => d.count > 0)
      .map((d) => `${formatNumber(d.count)} on ${d.activeDays} ${d.activeDays === 1 ? "day" : "days"}`)
      .join(", ");
  return (
    <>
      <p class="meta">
        {formatNumber(body.active)} {noun} existing at {formatUnix(body.reportTime)} were active in the last{" "}
        {body.reportInterval} days; the bars count them by the number of UTC days they were active on.
      </p>
      <svg class="bars" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary} data-bars={body.days.length}>
        {body.days.map((d, i) => {
          const h = (d.count / max) * plot;
          return (
            <rect
              key={d.activeDays}
              x={i * slot + (slot - barWidth) / 2}
              y={plot - h}
              width={barWidth}
              height={h}
              fill="#0b57b0"
            >
              <title>{`${d.activeDays} ${d.activeDays === 1 ? "day" : "days"}: ${d.count}`}</title>
            </rect>
          );
        })}
        <line x1={0} x2={WIDTH} y1={plot} y2={plot} stroke="#444" />
      </svg>
      <p class="axis-labels" aria-hidden="true">
        <span>1 day</span>
        <span>{body.days.length} days</span>
      </p>
      <details>
        <summary>Data ({body.days.length} rows)</summary>
        <TableWrap label="Stickiness data">
          <table>
            <thead>
              <tr>
                <th scope="col">Active days</th>
                <th scope="col" class="num">
                  {noun === "users" ? "Users" : "Orgs"}
                </th>
              </tr>
            </thead>
            <tbody>
              {body.days.map((d) => (
                <tr key={d.activeDays}>
                  <th scope="row">{d.activeDays}</th>
                  <td class="num">{formatNumber(d.count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      </details>
    </>
  );
}
