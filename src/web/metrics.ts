/**
 * GET /metrics: the same counters as `stats` and the page, in the
 * Prometheus text exposition format (version 0.0.4).
 */
import type { CounterName } from "../stats.ts";
import type { ServerState } from "./monitor-source.ts";

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * Counter names that would read badly with the usual `_total` suffix added,
 * or that need their unit last, before `_total`, as Prometheus names go.
 */
const COUNTER_METRIC_NAMES: Partial<Record<CounterName, string>> = {
  total_connections: "connections_total",
  total_items: "items_stored_total",
  bytes_read: "read_bytes_total",
  bytes_written: "written_bytes_total",
};

const COUNTER_HELP: Partial<Record<CounterName, string>> = {
  cmd_get: "Keys requested by get-family commands.",
  cmd_set: "Storage commands received.",
  get_hits: "Keys found by get-family commands.",
  get_misses: "Keys not found by get-family commands.",
  bytes_read: "Bytes read from memcached clients.",
  bytes_written: "Bytes written to memcached clients.",
};

export function renderMetrics(state: ServerState, databaseBytes: number): string {
  const lines: string[] = [];
  const metric = (name: string, type: "gauge" | "counter", help: string, value: number): void => {
    lines.push(`# HELP litecached_${name} ${help}`);
    lines.push(`# TYPE litecached_${name} ${type}`);
    lines.push(`litecached_${name} ${value}`);
  };
  metric("items", "gauge", "Items stored.", state.itemCount);
  metric("item_bytes", "gauge", "Bytes of keys and values stored.", state.itemBytes);
  metric("database_bytes", "gauge", "Size of the SQLite database.", databaseBytes);
  metric("uptime_seconds", "gauge", "Seconds since the server started.", state.uptimeSeconds);
  metric("current_connections", "gauge", "Open memcached connections.", state.connections);
  metric("commits_total", "counter", "Group commits since start.", state.commitCount);
  metric(
    "commit_failures_total",
    "counter",
    "Group commits that failed.",
    state.commitFailureCount,
  );
  for (const [name, value] of Object.entries(state.counters) as [CounterName, number][]) {
    const metricName = COUNTER_METRIC_NAMES[name] ?? `${name}_total`;
    const help = COUNTER_HELP[name] ?? `The ${name} counter of memcached's stats command.`;
    metric(metricName, "counter", help, value);
  }
  return `${lines.join("\n")}\n`;
}
