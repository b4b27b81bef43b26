/** @jsxImportSource hono/jsx */
/**
 * The last ten minutes as four small line charts, drawn on the server as
 * plain SVG (no charting library, nothing to load): commands/s, hit
 * ratio, items and database size. The time axis ends now and starts ten
 * minutes ago, or at the first sample when the server is younger than
 * that, so a new server's few samples still span the chart. GET
 * /fragments/history sends this alone for the island's refreshes.
 */
import type { HistoryJson, HistorySampleJson } from "../../../client/shared/api-types.ts";
import {
  formatBytes,
  formatCount,
  formatRate,
  formatRatio,
} from "../../../client/shared/format.ts";

const WIDTH = 240;
const HEIGHT = 48;
/** Room at the top and bottom so that the line's stroke is not clipped. */
const MARGIN = 3;

interface Series {
  name: string;
  label: string;
  value: (sample: HistorySampleJson) => number | null;
  format: (value: number) => string;
  /** The lowest the axis goes; counts and sizes start at 0, a ratio spans 0–1. */
  floor?: number;
  ceiling?: number;
}

const SERIES: readonly Series[] = [
  {
    name: "commands",
    label: "Commands/s",
    value: (sample) => sample.commandsPerSecond,
    format: formatRate,
    floor: 0,
  },
  {
    name: "hit-ratio",
    label: "Hit ratio",
    value: (sample) => sample.hitRatio,
    format: (value) => formatRatio(value),
    floor: 0,
    ceiling: 1,
  },
  { name: "items", label: "Items", value: (sample) => sample.items, format: formatCount, floor: 0 },
  {
    name: "database",
    label: "Database",
    value: (sample) => sample.databaseBytes,
    format: formatBytes,
    floor: 0,
  },
];

export function HistoryCharts(props: { history: HistoryJson }) {
  const minutes = Math.round(props.history.windowMs / 60_000);
  return (
    <div class="history-charts">
      {SERIES.map((series) => (
        <Chart series={series} history={props.history} minutes={minutes} />
      ))}
    </div>
  );
}

function Chart(props: { series: Series; history: HistoryJson; minutes: number }) {
  const { series, history } = props;
  const points = history.samples
    .map((sample) => ({ atMs: sample.atMs, value: series.value(sample) }))
    .filter((point): point is { atMs: number; value: number } => point.value !== null);
  const values = points.map((point) => point.value);
  const low = Math.min(series.floor ?? Number.POSITIVE_INFINITY, ...values);
  const high = Math.max(series.ceiling ?? Number.NEGATIVE_INFINITY, ...values, low + 1e-9);
  const start = Math.max(history.nowMs - history.windowMs, history.samples[0]?.atMs ?? 0);
  const span = Math.max(1, history.nowMs - start);
  const x = (atMs: number) => (((atMs - start) / span) * WIDTH).toFixed(1);
  const y = (value: number) =>
    (HEIGHT - MARGIN - ((value - low) / (high - low)) * (HEIGHT - 2 * MARGIN)).toFixed(1);
  const line = points.map((point) => `${x(point.atMs)},${y(point.value)}`).join(" ");
  const latest = values.at(-1);
  const summary =
    latest === undefined
      ? "no samples yet"
      : `now ${series.format(latest)}, lowest ${series.format(Math.min(...values))}, highest ${series.format(Math.max(...values))}`;
  return (
    <figure class="chart" data-chart={series.name} data-points={String(points.length)}>
      <figcaption>
        <span class="chart-label">{series.label}</span>{" "}
        <span class="chart-value">{latest === undefined ? "–" : series.format(latest)}</span>
      </figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`${series.label}, last ${props.minutes} minutes: ${summary}`}
      >
        <line class="chart-axis" x1="0" y1={HEIGHT - 0.5} x2={WIDTH} y2={HEIGHT - 0.5} />
        {points.length > 0 && <polyline class="chart-line" points={line} />}
        {latest !== undefined && (
          <circle
            class="chart-dot"
            cx={x(points.at(-1)?.atMs ?? history.nowMs)}
            cy={y(latest)}
            r="2"
          />
        )}
      </svg>
    </figure>
  );
}
