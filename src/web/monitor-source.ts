/**
 * Everything the monitor needs from the rest of the server, as one small
 * interface, so that the Hono app does not care which thread it runs on:
 *
 * - StoreSource (store-source.ts) answers in process, over the Store, the
 *   Stats and the Access themselves: the app's tests use it, and the main
 *   thread uses it to answer the monitor's worker.
 * - WorkerSource (worker-source.ts) runs in the monitor's worker thread:
 *   reads from its own read-only SQLite connection, everything else asked
 *   of the main thread by message.
 *
 * Reads are synchronous (a SQLite connection is at hand either way); what
 * belongs to the main thread (its counters, writes, the auth lockouts) is a
 * promise, because in the worker it is a message away.
 */
import type { HistoryJson } from "../../client/shared/api-types.ts";
import type { AccessCheck } from "../auth/access.ts";
import type { CommandCounters } from "../stats.ts";
import type { ItemDetails, KeyPageQuery, KeySummary } from "../store/key-reader.ts";
import type { Change } from "../store/store.ts";

/**
 * Committed changes, batch by batch. `incomplete`: some changes were left
 * out (too many at once); whoever shows keys must reload them.
 */
export type MonitorChangeListener = (changes: readonly Change[], incomplete: boolean) => void;

/** The main thread's figures at one moment: plain data, so it can cross threads. */
export interface ServerState {
  itemCount: number;
  itemBytes: number;
  uptimeSeconds: number;
  connections: number;
  counters: CommandCounters;
  commitCount: number;
  commitFailureCount: number;
}

export interface MonitorSource {
  // Reads: a page of keys, bounded counts, one item, the file's size.
  listKeys(query: KeyPageQuery): KeySummary[];
  countKeys(query: { prefix?: Uint8Array; before?: Uint8Array }, cap: number): number;
  getDetails(key: Uint8Array): ItemDetails | null;
  databaseBytes(): number;

  // The main thread's state.
  state(): Promise<ServerState>;
  /** The last ten minutes of samples (stats-history.ts). */
  history(): Promise<HistoryJson>;
  /** Takes a history sample now (tests; the server samples every 5 s by itself). */
  sampleHistory(): void;
  /** Committed changes, batch by batch, while at least one listener is subscribed. */
  onChange(listener: MonitorChangeListener): () => void;

  // Writes (--monitor-writes), each resolved once durable, rejected with the
  // storage failure's message when it was not stored.
  set(key: Uint8Array, value: Uint8Array, flags: number): Promise<number>;
  delete(key: Uint8Array): Promise<boolean>;
  flush(): Promise<void>;

  /** With --auth-file: the users and lockouts shared with the memcached port. */
  readonly access: AccessCheck | undefined;

  /** Stops what the source runs by itself (the history sampler, a connection). */
  close(): void;
}
