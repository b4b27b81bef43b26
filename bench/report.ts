/**
 * The results table: one row per measurement, printed as aligned text and
 * written as Markdown to bench/RESULTS.md with the machine and versions.
 */
import type { MachineInfo, Versions } from "./system.ts";

export type Verdict = "pass" | "FAIL" | "";

export interface Row {
  workload: string;
  memcached: string;
  litecached: string;
  /** Redis's figure, in the rows that measure it. */
  redis?: string;
  ratio: string;
  target: string;
  verdict: Verdict;
}

const HEADERS = [
  "workload",
  "memcached",
  "litecached",
  "redis",
  "ratio",
  "target",
  "pass/fail",
] as const;

function cells(row: Row): string[] {
  return [
    row.workload,
    row.memcached,
    row.litecached,
    row.redis ?? "",
    row.ratio,
    row.target,
    row.verdict,
  ];
}

export function textTable(rows: readonly Row[]): string {
  const lines = [[...HEADERS], ...rows.map(cells)];
  const widths = HEADERS.map((_, column) =>
    Math.max(...lines.map((line) => (line[column] as string).length)),
  );
  const render = (line: string[]): string =>
    line
      .map((cell, column) => cell.padEnd(widths[column] as number))
      .join("  ")
      .trimEnd();
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  return [render(lines[0] as string[]), rule, ...lines.slice(1).map(render)].join("\n");
}

export function markdownTable(rows: readonly Row[]): string {
  const escapePipes = (cell: string): string => cell.replaceAll("|", "\\|");
  const render = (line: readonly string[]): string => `| ${line.map(escapePipes).join(" | ")} |`;
  return [
    render(HEADERS),
    render(HEADERS.map(() => "---")),
    ...rows.map((row) => render(cells(row))),
  ].join("\n");
}

export interface ReportContext {
  date: Date;
  machine: MachineInfo;
  versions: Versions;
  commandLine: string;
  /** The litecached commit measured, e.g. "5cfa5ac Merge branch …". */
  commit: string;
  wallSeconds: number;
  othersCpuSeconds: number;
  loadAverageAtStart: string;
  /** Median share of each memaslap run that each server waited for its CPU. */
  serverCpuWait: { memcached: number; litecached: number; redis: number };
  /** Free text from --note. */
  note: string | undefined;
  /** Bullet points on how each row was measured. */
  method: readonly string[];
}

export function resultsMarkdown(rows: readonly Row[], context: ReportContext): string {
  const { machine, versions } = context;
  const othersShare = context.othersCpuSeconds / (context.wallSeconds * machine.cpus);
  const shared =
    othersShare >= 0.05
      ? `**The machine was shared**: other processes used ${formatNumber(context.othersCpuSeconds, 0)} CPU-seconds during the run (${formatPercent(othersShare)} of its ${machine.cpus} CPUs), so these figures are noisy.`
      : `Other processes used ${formatNumber(context.othersCpuSeconds, 0)} CPU-seconds during the run (${formatPercent(othersShare)} of its ${machine.cpus} CPUs).`;
  return [
    "# litecached benchmark results",
    "",
    `Measured by \`${context.commandLine}\` on ${context.date.toISOString().replace(/\.\d+Z$/, "Z")} (took ${formatDuration(context.wallSeconds)}).`,
    "",
    `- Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${formatNumber(machine.memoryMiB / 1024, 1)} GiB memory, Linux ${machine.kernel}.`,
    `- litecached: commit ${context.commit}.`,
    `- Versions: Bun ${versions.bun}, memcached ${versions.memcached}, Redis ${versions.redis}, SQLite ${versions.sqlite}, memaslap from ${versions.memaslap}.`,
    `- Load average at start: ${context.loadAverageAtStart}. ${shared} During the load runs the servers were runnable but waiting for CPU 0 a median ${formatPercent(context.serverCpuWait.memcached)} (memcached), ${formatPercent(context.serverCpuWait.litecached)} (litecached) and ${formatPercent(context.serverCpuWait.redis)} (redis) of the time.`,
    ...(context.note === undefined ? [] : [`- Note: ${context.note}`]),
    "",
    markdownTable(rows),
    "",
    "## How it was measured",
    "",
    ...context.method.map((line) => `- ${line}`),
    "",
  ].join("\n");
}

// ---- formatting ----

export function formatNumber(value: number, fractionDigits = 0): string {
  return value.toLocaleString("en-US", {
    minimumFractionDigits: fractionDigits,
    maximumFractionDigits: fractionDigits,
  });
}

export function formatRate(perSecond: number, unit: string): string {
  return `${formatNumber(perSecond)} ${unit}/s`;
}

export function formatMiB(bytes: number): string {
  return `${formatNumber(bytes / 1024 / 1024, 0)} MiB`;
}

export function formatMillis(ms: number): string {
  return ms < 10 ? `${formatNumber(ms, 1)} ms` : `${formatNumber(ms)} ms`;
}

export function formatMicros(micros: number): string {
  if (micros < 10) return `${formatNumber(micros, 1)} µs`;
  return micros < 1000 ? `${formatNumber(micros)} µs` : formatMillis(micros / 1000);
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${formatNumber(seconds, 1)} s`;
  return `${Math.floor(seconds / 60)} min ${formatNumber(seconds % 60, 0)} s`;
}

export function formatPercent(share: number): string {
  return `${formatNumber(share * 100, 0)}%`;
}

export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${formatNumber(ratio, 2)}x` : "—";
}

export function verdict(passed: boolean): Verdict {
  return passed ? "pass" : "FAIL";
}
