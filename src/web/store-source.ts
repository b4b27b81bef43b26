/**
 * The monitor's source in process: the Store, the Stats and the Access
 * themselves. The app's tests use it directly; in the server the main
 * thread answers the monitor's worker with it (monitor-thread.ts), so a
 * write from the page goes through the same group commit as a memcached
 * write, and a password is checked against the same lockouts.
 *
 * The history sampler lives here, beside the counters it reads: a sample
 * every 5 s costs the main thread a few counter reads and two PRAGMAs.
 */
import type { HistoryJson } from "../../client/shared/api-types.ts";
import type { Access, AccessCheck } from "../auth/access.ts";
import type { Stats } from "../stats.ts";
import type { ItemDetails, KeyPageQuery, KeySummary } from "../store/key-reader.ts";
import type { Store } from "../store/store.ts";
import type { MonitorChangeListener, MonitorSource, ServerState } from "./monitor-source.ts";
import { StatsHistory } from "./stats-history.ts";

export class StoreSource implements MonitorSource {
  readonly access: AccessCheck | undefined;
  private readonly statsHistory: StatsHistory;

  constructor(
    private readonly store: Store,
    private readonly stats: Stats,
    access?: Access,
  ) {
    this.access = access === undefined ? undefined : accessCheck(access);
    this.statsHistory = new StatsHistory(store, stats);
    this.statsHistory.start();
  }

  listKeys(query: KeyPageQuery): KeySummary[] {
    return this.store.listKeys(query);
  }

  countKeys(query: { prefix?: Uint8Array; before?: Uint8Array }, cap: number): number {
    return this.store.countKeys(query, cap);
  }

  getDetails(key: Uint8Array): ItemDetails | null {
    return this.store.getDetails(key);
  }

  databaseBytes(): number {
    return this.store.fileSize;
  }

  /** Synchronous underneath: the main thread answers the worker with it at once. */
  currentState(): ServerState {
    const { store, stats } = this;
    return {
      itemCount: store.itemCount,
      itemBytes: store.itemBytes,
      uptimeSeconds: stats.uptimeSeconds,
      connections: stats.currentConnections,
      counters: { ...stats.counters },
      commitCount: store.commitCount,
      commitFailureCount: store.commitFailureCount,
    };
  }

  async state(): Promise<ServerState> {
    return this.currentState();
  }

  async history(): Promise<HistoryJson> {
    return this.statsHistory.toJson();
  }

  sampleHistory(): void {
    this.statsHistory.sample();
  }

  onChange(listener: MonitorChangeListener): () => void {
    return this.store.onChange((changes) => listener(changes, false));
  }

  set(key: Uint8Array, value: Uint8Array, flags: number): Promise<number> {
    return this.durably(() => this.store.set(key, value, flags));
  }

  delete(key: Uint8Array): Promise<boolean> {
    return this.durably(() => this.store.delete(key));
  }

  flush(): Promise<void> {
    return this.durably(() => this.store.flush());
  }

  close(): void {
    this.statsHistory.stop();
  }

  /** Runs one write and waits for its commit: the same contract as a memcached reply. */
  private durably<T>(write: () => T): Promise<T> {
    let result: T;
    try {
      result = write();
    } catch (error) {
      if (error instanceof Error) this.store.noteWriteFailure(error);
      return Promise.reject(error);
    }
    return new Promise<T>((resolve, reject) =>
      this.store.whenDurable((error) => (error === undefined ? resolve(result) : reject(error))),
    );
  }
}

function accessCheck(access: Access): AccessCheck {
  return {
    authenticate: async (address, user, password) => access.authenticate(address, user, password),
    isLockedOut: async (address) => access.isLockedOut(address),
  };
}
