/**
 * Number formatting shared by the server-rendered page and the island, so
 * both render the same text and the island's takeover does not flicker.
 */
import type { StatsJson } from "./api-types.ts";

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"] as const;

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
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
  label: string;
  value: string;
}

/** The stats header's cells, in order, for the server-rendered page and the island alike. */
export function statsDisplay(stats: StatsJson): StatDisplay[] {
  return [
    { label: "Items", value: formatCount(stats.items) },
    { label: "Database", value: formatBytes(stats.databaseBytes) },
    { label: "Uptime", value: formatUptime(stats.uptimeSeconds) },
    { label: "Connections", value: formatCount(stats.connections) },
    { label: "Commands/s", value: formatRate(stats.commandsPerSecond) },
    { label: "Hit ratio", value: formatRatio(stats.hitRatio) },
  ];
}

/** "12 keys on this page", with the prefix they share when there is one. */
export function pageSummary(count: number, prefixLabel: string): string {
  const keys = count === 1 ? "1 key" : `${formatCount(count)} keys`;
  return prefixLabel === ""
    ? `${keys} on this page`
    : `${keys} starting with “${prefixLabel}” on this page`;
}
