/**
 * The counters that the `stats` command, the monitor page and /metrics share.
 * Names follow memcached's `stats` output so its monitoring tools read them.
 */

/** Counters that `stats reset` sets back to zero, as memcached does. */
export interface CommandCounters {
  cmd_get: number;
  cmd_set: number;
  cmd_flush: number;
  cmd_touch: number;
  get_hits: number;
  get_misses: number;
  delete_misses: number;
  delete_hits: number;
  incr_misses: number;
  incr_hits: number;
  decr_misses: number;
  decr_hits: number;
  cas_misses: number;
  cas_hits: number;
  cas_badval: number;
  touch_hits: number;
  touch_misses: number;
  store_too_large: number;
  store_failed: number;
  bytes_read: number;
  bytes_written: number;
  total_connections: number;
  rejected_connections: number;
  total_items: number;
  /** Authentication attempts (text handshake, SASL), and those that failed. */
  auth_cmds: number;
  auth_errors: number;
}

export type CounterName = keyof CommandCounters;

function zeroCounters(): CommandCounters {
  return {
    cmd_get: 0,
    cmd_set: 0,
    cmd_flush: 0,
    cmd_touch: 0,
    get_hits: 0,
    get_misses: 0,
    delete_misses: 0,
    delete_hits: 0,
    incr_misses: 0,
    incr_hits: 0,
    decr_misses: 0,
    decr_hits: 0,
    cas_misses: 0,
    cas_hits: 0,
    cas_badval: 0,
    touch_hits: 0,
    touch_misses: 0,
    store_too_large: 0,
    store_failed: 0,
    bytes_read: 0,
    bytes_written: 0,
    total_connections: 0,
    rejected_connections: 0,
    total_items: 0,
    auth_cmds: 0,
    auth_errors: 0,
  };
}

export class Stats {
  readonly startedAtMs = Date.now();
  counters: CommandCounters = zeroCounters();
  currentConnections = 0;

  /** `stats reset`: zero the counters, keep gauges such as current connections. */
  reset(): void {
    this.counters = zeroCounters();
  }

  get uptimeSeconds(): number {
    return Math.floor((Date.now() - this.startedAtMs) / 1000);
  }
}
