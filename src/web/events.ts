/**
 * GET /api/events: a server-sent events stream of store changes and stats.
 *
 * The memcached port may write a hundred thousand keys a second; a browser
 * needs a few updates a second. So each client gets its changes coalesced
 * per key and sent at most every FLUSH_INTERVAL_MS; when more than
 * MAX_PENDING_KEYS pile up in between, they are dropped and the client is
 * told to `resync` (reload its page of keys) instead. The store listener
 * exists only while someone watches, so an unwatched server pays nothing.
 */
import type { Change, Store } from "../store/store.ts";
import { type ChangeJson, type ChangesEventJson, EVENT, type StatsJson } from "./api-types.ts";
import { encodeKey } from "./key-codec.ts";

const FLUSH_INTERVAL_MS = 100;
const STATS_INTERVAL_MS = 1000;
const RESYNC_INTERVAL_MS = 1000;
/** Coalesced keys one client may have waiting before it is told to resync. */
const MAX_PENDING_KEYS = 500;
/**
 * Unsent bytes after which a client that does not read is dropped. Counted
 * in bytes, not events: one `changes` event may carry 500 long keys (some
 * 400 KB), so a count would let each stalled client hold tens of megabytes.
 */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;
/** Tells EventSource how soon to reconnect after the stream breaks. */
const RECONNECT_MS = 2000;

export interface ChangeFeedOptions {
  maxClients: number;
}

interface Client {
  controller: ReadableStreamDefaultController<Uint8Array>;
  pending: Map<string, ChangeJson>;
  flushed: boolean;
  overflowed: boolean;
  flushTimer: ReturnType<typeof setTimeout> | undefined;
  lastResyncMs: number;
}

const encoder = new TextEncoder();

function eventText(event: string, data: unknown): Uint8Array {
  // JSON has no raw newlines, so the data always fits one `data:` line.
  return encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export class ChangeFeed {
  private readonly clients = new Set<Client>();
  private unsubscribe: (() => void) | undefined;
  private statsTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly store: Store,
    private readonly snapshot: () => StatsJson,
    private readonly options: ChangeFeedOptions,
  ) {}

  get clientCount(): number {
    return this.clients.size;
  }

  /** The event stream for one client, or undefined when too many are connected. */
  open(signal: AbortSignal): ReadableStream<Uint8Array> | undefined {
    if (this.clients.size >= this.options.maxClients) return undefined;
    let client: Client | undefined;
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          client = {
            controller,
            pending: new Map(),
            flushed: false,
            overflowed: false,
            flushTimer: undefined,
            lastResyncMs: 0,
          };
          this.add(client);
          controller.enqueue(encoder.encode(`retry: ${RECONNECT_MS}\n\n`));
          this.send(client, eventText(EVENT.stats, this.snapshot()));
          signal.addEventListener("abort", () => client && this.remove(client), { once: true });
        },
        cancel: () => {
          if (client) this.remove(client);
        },
      },
      new ByteLengthQueuingStrategy({ highWaterMark: 1 }),
    );
  }

  /** Ends every stream (server shutdown). */
  closeAll(): void {
    for (const client of [...this.clients]) {
      this.remove(client);
      try {
        client.controller.close();
      } catch {
        // Already closed by the other side.
      }
    }
  }

  private add(client: Client): void {
    this.clients.add(client);
    if (this.clients.size === 1) {
      this.unsubscribe = this.store.onChange((changes) => this.receive(changes));
      this.statsTimer = setInterval(() => this.broadcastStats(), STATS_INTERVAL_MS);
    }
  }

  private remove(client: Client): void {
    if (!this.clients.delete(client)) return;
    clearTimeout(client.flushTimer);
    if (this.clients.size === 0) {
      this.unsubscribe?.();
      this.unsubscribe = undefined;
      clearInterval(this.statsTimer);
      this.statsTimer = undefined;
    }
  }

  private receive(changes: readonly Change[]): void {
    // Converted lazily and once for all clients: a flood overflows every
    // client after MAX_PENDING_KEYS keys, and the rest need no encoding.
    const converted: ChangeJson[] = [];
    for (const client of this.clients) {
      for (let index = 0; index < changes.length && !client.overflowed; index++) {
        converted[index] ??= changeJson(changes[index] as Change);
        queueChange(client, converted[index] as ChangeJson);
      }
      this.scheduleFlush(client, FLUSH_INTERVAL_MS);
    }
  }

  private scheduleFlush(client: Client, delayMs: number): void {
    client.flushTimer ??= setTimeout(() => this.flush(client), delayMs);
  }

  private flush(client: Client): void {
    client.flushTimer = undefined;
    if (client.overflowed) {
      // A client told to resync reloads a page; let it do so at most once a second.
      const wait = client.lastResyncMs + RESYNC_INTERVAL_MS - Date.now();
      if (wait > 0) {
        this.scheduleFlush(client, wait);
        return;
      }
      client.lastResyncMs = Date.now();
      this.send(client, eventText(EVENT.resync, {}));
    } else {
      const changes: ChangeJson[] = client.flushed ? [{ type: "flush" }] : [];
      changes.push(...client.pending.values());
      this.send(client, eventText(EVENT.changes, { changes } satisfies ChangesEventJson));
    }
    client.pending.clear();
    client.flushed = false;
    client.overflowed = false;
  }

  private broadcastStats(): void {
    const event = eventText(EVENT.stats, this.snapshot());
    for (const client of this.clients) this.send(client, event);
  }

  private send(client: Client, event: Uint8Array): void {
    const queuedBytes = 1 - (client.controller.desiredSize ?? 0);
    if (queuedBytes > MAX_QUEUED_BYTES) {
      this.remove(client);
      client.controller.error(new Error("event stream client is not reading"));
      return;
    }
    try {
      client.controller.enqueue(event);
    } catch {
      this.remove(client);
    }
  }
}

function queueChange(client: Client, change: ChangeJson): void {
  if (client.overflowed) return;
  if (change.type === "flush") {
    client.pending.clear();
    client.flushed = true;
    return;
  }
  // Re-insert so that the map keeps the order of the latest change per key.
  client.pending.delete(change.key);
  client.pending.set(change.key, change);
  if (client.pending.size > MAX_PENDING_KEYS) {
    client.pending.clear();
    client.overflowed = true;
  }
}

function changeJson(change: Change): ChangeJson {
  switch (change.type) {
    case "set":
      return {
        type: "set",
        key: encodeKey(change.key),
        size: change.size,
        flags: change.flags,
        cas: change.cas,
        modified: change.modifiedMs,
      };
    case "delete":
      return { type: "delete", key: encodeKey(change.key) };
    case "flush":
      return { type: "flush" };
  }
}
