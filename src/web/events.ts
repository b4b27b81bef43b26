/**
 * GET /api/events: a server-sent events stream of store changes and stats.
 *
 * The memcached port may write a hundred thousand keys a second; a browser
 * needs a few updates a second. So changes are coalesced per key and sent at
 * most every FLUSH_INTERVAL_MS, encoded once for all subscribers; when more
 * than MAX_PENDING_KEYS pile up in between, they are dropped and every
 * client is told to `resync` (reload its page of keys) instead. The change
 * listener exists only while someone watches, so an unwatched server pays
 * nothing (in the worker, the main thread posts changes only while it is
 * subscribed).
 */

import {
  type ChangeJson,
  type ChangesEventJson,
  EVENT,
  type StatsJson,
} from "../../client/shared/api-types.ts";
import { encodeKey } from "../../client/shared/key-codec.ts";
import { keyName } from "../store/memory-tier.ts";
import type { Change } from "../store/store.ts";
import type { MonitorSource } from "./monitor-source.ts";

const FLUSH_INTERVAL_MS = 100;
const STATS_INTERVAL_MS = 1000;
const RESYNC_INTERVAL_MS = 1000;
/** Coalesced keys that may wait for the next flush before clients are told to resync. */
export const MAX_PENDING_KEYS = 500;
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
  /** Changes since the last flush, the latest per key, in the order of that change. */
  private readonly pending = new Map<string, Exclude<Change, { type: "flush" }>>();
  private flushedSinceLastSend = false;
  private overflowed = false;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private lastResyncMs = 0;

  constructor(
    private readonly source: Pick<MonitorSource, "onChange">,
    private readonly snapshot: () => Promise<StatsJson>,
    private readonly options: ChangeFeedOptions,
  ) {}

  /** The event stream for one client, or undefined when too many are connected. */
  open(signal: AbortSignal): ReadableStream<Uint8Array> | undefined {
    if (this.clients.size >= this.options.maxClients) return undefined;
    let client: Client | undefined;
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          const opened: Client = { controller };
          client = opened;
          this.add(opened);
          controller.enqueue(encoder.encode(`retry: ${RECONNECT_MS}\n\n`));
          // The figures may be a message away (the worker asks the main thread).
          void this.snapshotEvent().then((event) => {
            if (event !== undefined && this.clients.has(opened)) this.send(opened, event);
          });
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
      this.unsubscribe = this.source.onChange((changes, incomplete) =>
        this.receive(changes, incomplete),
      );
      this.statsTimer = setInterval(() => void this.broadcastStats(), STATS_INTERVAL_MS);
    }
  }

  private remove(client: Client): void {
    if (!this.clients.delete(client)) return;
    if (this.clients.size === 0) {
      this.unsubscribe?.();
      this.unsubscribe = undefined;
      clearInterval(this.statsTimer);
      this.statsTimer = undefined;
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
      this.pending.clear();
      this.flushedSinceLastSend = false;
      this.overflowed = false;
    }
  }

  /** `incomplete`: changes were left out on the way (change-relay.ts); clients resync. */
  private receive(changes: readonly Change[], incomplete: boolean): void {
    if (incomplete) {
      this.pending.clear();
      this.overflowed = true;
    }
    // Once overflowed, the rest of a flood needs no encoding: clients resync.
    for (let index = 0; index < changes.length && !this.overflowed; index++) {
      this.queueChange(changes[index] as Change);
    }
    this.scheduleFlush(FLUSH_INTERVAL_MS);
  }

  private queueChange(change: Change): void {
    if (change.type === "flush") {
      this.pending.clear();
      this.flushedSinceLastSend = true;
      return;
    }
    // Keyed by the raw bytes; encoded once, at the flush, whatever the
    // number of changes to that key in between (in the worker, CPU is scarce
    // under a write flood: it runs at a lower priority).
    const name = keyName(change.key);
    // Re-insert so that the map keeps the order of the latest change per key.
    this.pending.delete(name);
    this.pending.set(name, change);
    if (this.pending.size > MAX_PENDING_KEYS) {
      this.pending.clear();
      this.overflowed = true;
    }
  }

  private scheduleFlush(delayMs: number): void {
    this.flushTimer ??= setTimeout(() => this.flush(), delayMs);
  }

  private flush(): void {
    this.flushTimer = undefined;
    if (this.overflowed) {
      // Clients told to resync reload a page; let them do so at most once a second.
      const wait = this.lastResyncMs + RESYNC_INTERVAL_MS - Date.now();
      if (wait > 0) {
        this.scheduleFlush(wait);
        return;
      }
      this.lastResyncMs = Date.now();
      this.broadcast(eventText(EVENT.resync, {}));
    } else {
      const changes: ChangeJson[] = this.flushedSinceLastSend ? [{ type: "flush" }] : [];
      for (const change of this.pending.values()) changes.push(changeJson(change));
      this.broadcast(eventText(EVENT.changes, { changes } satisfies ChangesEventJson));
    }
    this.pending.clear();
    this.flushedSinceLastSend = false;
    this.overflowed = false;
  }

  private async broadcastStats(): Promise<void> {
    const event = await this.snapshotEvent();
    if (event !== undefined) this.broadcast(event);
  }

  /** The stats event, or undefined when the figures cannot be had (the server is stopping). */
  private async snapshotEvent(): Promise<Uint8Array | undefined> {
    try {
      return eventText(EVENT.stats, await this.snapshot());
    } catch {
      return undefined;
    }
  }

  private broadcast(event: Uint8Array): void {
    for (const client of [...this.clients]) this.send(client, event);
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

function changeJson(
  change: Exclude<Change, { type: "flush" }>,
): Exclude<ChangeJson, { type: "flush" }> {
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
  }
}
