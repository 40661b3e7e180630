import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

/**
 * A uPlot line chart of UTC-day buckets. Buckets that have not ended yet (`cadence_completed: false`) are drawn as
 * a dashed line with hollow points, joined to the last complete one, so a half-filled week never reads as a drop.
 * `data-points` on the chart says how many buckets the last draw plotted (the browser tests read it).
 */
export interface Series {
  label: string;
  values: number[];
  color: string;
}

export interface ChartProps {
  /** `YYYY-MM-DD` per bucket, oldest first. */
  dates: string[];
  series: Series[];
  /** Per bucket: whether it has ended. Only used with one series. */
  completed?: boolean[];
  label: string;
  height?: number;
}

const toSeconds = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;

export function LineChart({ dates, series, completed, label, height = 200 }: ChartProps) {
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const xs = dates.map(toSeconds);
    const data: (number | null)[][] = [xs];
    const opts: uPlot.Series[] = [{}];
    const first = series[0];
    if (completed && first && series.length === 1) {
      const done = first.values.map((v, i) => (completed[i] ? v : null));
      // The incomplete run starts at the last complete bucket, so the dashed line continues the solid one.
      const open = first.values.map((v, i) => (!completed[i] || completed[i + 1] === false ? v : null));
      const openIndices = completed.flatMap((c, i) => (c ? [] : [i]));
      data.push(done, open);
      opts.push(
        { label: first.label, stroke: first.color, width: 2, points: { show: true, size: 6, fill: first.color } },
        {
          label: `${first.label} (incomplete)`,
          stroke: first.color,
          width: 2,
          dash: [6, 4],
          // Hollow points only on the incomplete buckets, not on the complete one the dashed line starts from.
          points: { show: true, size: 8, fill: "#ffffff", width: 2, filter: () => openIndices },
        },
      );
    } else {
      for (const s of series) {
        data.push(s.values);
        opts.push({ label: s.label, stroke: s.color, width: 2, points: { show: true, size: 5, fill: s.color } });
      }
    }
    const plot = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
        series: opts,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
        axes: [{ stroke: "#444" }, { stroke: "#444", size: 44 }],
        hooks: {
          draw: [
            (u) => {
              el.dataset.points = String(u.data[0].length);
            },
          ],
        },
      },
      data as uPlot.AlignedData,
      el,
    );
    const resize = new ResizeObserver(() => {
      const width = Math.max(200, el.clientWidth);
      if (width !== plot.width) plot.setSize({ width, height });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [dates, series, completed, height]);

  return <div class="chart" ref={container} role="img" aria-label={label} />;
}
