/**
 * The JSON shapes of the monitor's HTTP API and event stream, shared by the
 * server routes and the island. Keys travel percent-encoded (see key-codec).
 */

/** One key in a listing: metadata only, never the value. */
export interface KeyJson {
  key: string;
  size: number;
  flags: number;
  cas: number;
  /** Last modification, milliseconds since the epoch. */
  modified: number;
}

export interface KeyPageJson {
  prefix: string;
  limit: number;
  keys: KeyJson[];
  /** Cursor for the next page (`after=`), null on the last page. */
  next: string | null;
  /** Cursor for the previous page (`before=`), null on the first page. */
  previous: string | null;
}

export interface ItemJson extends KeyJson {
  /** The value (or its first `max` bytes), base64. */
  value: string;
  truncated: boolean;
}

export interface StatsJson {
  version: string;
  items: number;
  itemBytes: number;
  databaseBytes: number;
  uptimeSeconds: number;
  connections: number;
  commandsPerSecond: number;
  /** get_hits / (get_hits + get_misses); null before the first get. */
  hitRatio: number | null;
}

/** One point of GET /api/history, taken every `intervalMs`. */
export interface HistorySampleJson {
  atMs: number;
  commandsPerSecond: number;
  /** Hits over lookups during the interval; null when there was no lookup. */
  hitRatio: number | null;
  items: number;
  databaseBytes: number;
}

export interface HistoryJson {
  intervalMs: number;
  windowMs: number;
  nowMs: number;
  samples: HistorySampleJson[];
}

export type ChangeJson =
  | ({ type: "set" } & KeyJson)
  | { type: "delete"; key: string }
  | { type: "flush" };

/** Event names on GET /api/events. */
export const EVENT = {
  stats: "stats",
  changes: "changes",
  /** Too many changes to send one by one: reload the page's keys. */
  resync: "resync",
} as const;

export interface ChangesEventJson {
  changes: ChangeJson[];
}

/** The answer to a write (with --monitor-writes), once it is durable. */
export interface WriteResultJson {
  ok: true;
  /** The new cas of a set. */
  cas?: number;
}

export interface ErrorJson {
  error: string;
  message: string;
}
