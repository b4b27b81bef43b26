/**
 * The monitor's source inside its worker thread: reads from the worker's
 * own read-only SQLite connection (KeyReader), so that listing, counting
 * and fetching keys never runs on the memcached event loop; everything
 * that is the main thread's (counters, history, writes, auth lockouts) is
 * a call answered by message (monitor-messages.ts).
 */
import type { HistoryJson } from "../../client/shared/api-types.ts";
import type { AccessCheck } from "../auth/access.ts";
import type { ItemDetails, KeyPageQuery, KeyReader, KeySummary } from "../store/key-reader.ts";
import type { Change } from "../store/store.ts";
import type {
  CallMessage,
  CallName,
  FromWorker,
  MonitorCalls,
  ReplyMessage,
} from "./monitor-messages.ts";
import type { MonitorChangeListener, MonitorSource, ServerState } from "./monitor-source.ts";

interface PendingCall {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

export class WorkerSource implements MonitorSource {
  readonly access: AccessCheck | undefined;
  private readonly pending = new Map<number, PendingCall>();
  private nextId = 1;
  private readonly listeners = new Set<MonitorChangeListener>();

  constructor(
    private readonly reader: KeyReader,
    private readonly post: (message: FromWorker) => void,
    authenticates: boolean,
  ) {
    this.access = authenticates
      ? {
          authenticate: (address, user, password) =>
            this.call("authenticate", address, user, password),
          isLockedOut: (address) => this.call("isLockedOut", address),
        }
      : undefined;
  }

  listKeys(query: KeyPageQuery): KeySummary[] {
    return this.reader.listKeys(query);
  }

  countKeys(query: { prefix?: Uint8Array; before?: Uint8Array }, cap: number): number {
    return this.reader.countKeys(query, cap);
  }

  getDetails(key: Uint8Array): ItemDetails | null {
    return this.reader.getDetails(key);
  }

  databaseBytes(): number {
    return this.reader.fileSize;
  }

  state(): Promise<ServerState> {
    return this.call("state");
  }

  history(): Promise<HistoryJson> {
    return this.call("history");
  }

  sampleHistory(): void {
    void this.call("sampleHistory");
  }

  /** The first listener asks the main thread for changes, the last one stops them. */
  onChange(listener: MonitorChangeListener): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.post({ type: "watch" });
    return () => {
      if (this.listeners.delete(listener) && this.listeners.size === 0) {
        this.post({ type: "unwatch" });
      }
    };
  }

  set(key: Uint8Array, value: Uint8Array, flags: number): Promise<number> {
    return this.call("set", key, value, flags);
  }

  delete(key: Uint8Array): Promise<boolean> {
    return this.call("delete", key);
  }

  async flush(): Promise<void> {
    await this.call("flush");
  }

  /** Committed changes posted by the main thread (see change-relay.ts). */
  receiveChanges(changes: readonly Change[], incomplete: boolean): void {
    for (const listener of this.listeners) listener(changes, incomplete);
  }

  /** The main thread's answer to one call. */
  receiveReply(reply: ReplyMessage): void {
    const call = this.pending.get(reply.id);
    if (call === undefined) return;
    this.pending.delete(reply.id);
    if (reply.ok) call.resolve(reply.result);
    else call.reject(new Error(reply.message));
  }

  /** Fails the calls still waiting (the server is stopping) and closes the connection. */
  close(): void {
    for (const call of this.pending.values()) call.reject(new Error("the server is stopping"));
    this.pending.clear();
    this.reader.close();
  }

  private call<Name extends CallName>(
    name: Name,
    ...args: MonitorCalls[Name]["args"]
  ): Promise<MonitorCalls[Name]["result"]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {
        resolve: (result) => resolve(result as MonitorCalls[Name]["result"]),
        reject,
      });
      this.post({ type: "call", id, name, args } as CallMessage);
    });
  }
}
