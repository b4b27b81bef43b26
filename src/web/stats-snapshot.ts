/**
 * The monitor's view of the counters: the numbers in the page header,
 * /api/stats and the event stream. Everything comes from counters kept as
 * things happen (Stats, the store's counters, the database's page count),
 * never from a scan.
 */

import type { StatsJson } from "../../client/shared/api-types.ts";
import { VERSION } from "../config.ts";
import type { CommandCounters } from "../stats.ts";
import type { ServerState } from "./monitor-source.ts";

/** The counters that each count one client command. */
const COMMAND_COUNTERS = [
  "cmd_get",
  "cmd_set",
  "cmd_touch",
  "cmd_flush",
  "delete_hits",
  "delete_misses",
  "incr_hits",
  "incr_misses",
  "decr_hits",
  "decr_misses",
] as const satisfies readonly (keyof CommandCounters)[];

/** A rate needs two samples at least this far apart. */
const RATE_WINDOW_MS = 1000;

interface Sample {
  atMs: number;
  total: number;
}

/**
 * Commands per second over the last completed window between two reads.
 * Reads come every second from the event stream while a page is open.
 */
export class CommandRate {
  private previous: Sample | undefined;
  private current: Sample | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  read(total: number): number {
    const atMs = this.now();
    if (this.current === undefined) {
      this.current = { atMs, total };
      return 0;
    }
    if (atMs - this.current.atMs >= RATE_WINDOW_MS) {
      this.previous = this.current;
      this.current = { atMs, total };
    }
    if (this.previous === undefined) return 0;
    const seconds = (this.current.atMs - this.previous.atMs) / 1000;
    // `stats reset` makes the total go down: report 0 rather than a negative rate.
    return Math.max(0, (this.current.total - this.previous.total) / seconds);
  }
}

export function commandTotal(counters: CommandCounters): number {
  let total = 0;
  for (const name of COMMAND_COUNTERS) total += counters[name];
  return total;
}

export function hitRatio(counters: CommandCounters): number | null {
  const lookups = counters.get_hits + counters.get_misses;
  return lookups === 0 ? null : counters.get_hits / lookups;
}

export function statsSnapshot(
  state: ServerState,
  databaseBytes: number,
  rate: CommandRate,
): StatsJson {
  return {
    version: VERSION,
    items: state.itemCount,
    itemBytes: state.itemBytes,
    databaseBytes,
    uptimeSeconds: state.uptimeSeconds,
    connections: state.connections,
    commandsPerSecond: Math.round(rate.read(commandTotal(state.counters))),
    hitRatio: hitRatio(state.counters),
  };
}
