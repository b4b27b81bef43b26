/**
 * Number formatting shared by the server-rendered page and the island, so
 * the island's live updates read exactly like the server's markup.
 */
import type { StatsJson } from "./api-types.ts";

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"] as const;

/**
 * Sizes in one format everywhere: binary units, at most one decimal, three
 * significant digits ("938 KiB", "1.0 MiB", never "1024 KiB").
 */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  // Move up a unit when the rounded figure would read 1024 or more.
  while (unit < BYTE_UNITS.length - 1 && Number(roundSize(value, unit)) >= 1024) {
    value /= 1024;
    unit++;
  }
  return `${roundSize(value, unit)} ${BYTE_UNITS[unit]}`;
}

function roundSize(value: number, unit: number): string {
  return value.toFixed(unit === 0 || value >= 99.95 ? 0 : 1);
}

export function formatCount(count: number): string {
  return Math.round(count).toLocaleString("en-US");
}

export function formatUptime(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (days > 0) return `${days}d ${hours}h ${minutes}m`;
  if (hours > 0) return `${hours}h ${minutes}m ${rest}s`;
  if (minutes > 0) return `${minutes}m ${rest}s`;
  return `${rest}s`;
}

export function formatRate(perSecond: number): string {
  if (perSecond >= 10_000) return `${formatCount(perSecond / 1000)}k`;
  return formatCount(perSecond);
}

export function formatRatio(ratio: number | null): string {
  return ratio === null ? "–" : `${(ratio * 100).toFixed(1)}%`;
}

/** UTC, to the second: the same on the server and in every browser. */
export function formatTimestamp(milliseconds: number): string {
  return `${new Date(milliseconds).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

export interface StatDisplay {
  /** Stable name, the `data-stat` the island finds the cell by. */
  name: keyof StatsJson;
  label: string;
  value: string;
}

/** The stats header's cells, in order, for the server-rendered page and the island alike. */
export function statsDisplay(stats: StatsJson): StatDisplay[] {
  return [
    { name: "items", label: "Items", value: formatCount(stats.items) },
    { name: "databaseBytes", label: "Database", value: formatBytes(stats.databaseBytes) },
    { name: "uptimeSeconds", label: "Uptime", value: formatUptime(stats.uptimeSeconds) },
    { name: "connections", label: "Connections", value: formatCount(stats.connections) },
    { name: "commandsPerSecond", label: "Commands/s", value: formatRate(stats.commandsPerSecond) },
    { name: "hitRatio", label: "Hit ratio", value: formatRatio(stats.hitRatio) },
  ];
}
