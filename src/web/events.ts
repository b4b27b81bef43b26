/**
 * GET /api/events: a server-sent events stream of store changes and stats.
 *
 * The memcached port may write a hundred thousand keys a second; a browser
 * needs a few updates a second. So changes are coalesced per key and sent at
 * most every FLUSH_INTERVAL_MS, encoded once for all subscribers; when too
 * many keys pile up in between (coalesced-changes.ts), they are dropped and
 * every client is told to `resync` (reload its page of keys) instead. The change
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
import type { Change } from "../store/store.ts";
import { CoalescedChanges, type KeyChange } from "./coalesced-changes.ts";
import type { MonitorSource } from "./monitor-source.ts";

const FLUSH_INTERVAL_MS = 100;
const STATS_INTERVAL_MS = 1000;
const RESYNC_INTERVAL_MS = 1000;
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
  /** Changes since the last flush: the latest per key, or given up for a resync. */
  private readonly pending = new CoalescedChanges();
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
    }
  }

  /** `incomplete`: changes were left out on the way (change-relay.ts); clients resync. */
  private receive(changes: readonly Change[], incomplete: boolean): void {
    if (incomplete) this.pending.markIncomplete();
    // Keyed by the raw bytes; encoded once, at the flush, whatever the
    // number of changes to that key in between (in the worker, CPU is scarce
    // under a write flood: it runs at a lower priority). Once incomplete, the
    // rest of a flood is not even kept: clients resync.
    this.pending.add(changes);
    this.scheduleFlush(FLUSH_INTERVAL_MS);
  }

  private scheduleFlush(delayMs: number): void {
    this.flushTimer ??= setTimeout(() => this.flush(), delayMs);
  }

  private flush(): void {
    this.flushTimer = undefined;
    if (this.pending.incomplete) {
      // Clients told to resync reload a page; let them do so at most once a second.
      const wait = this.lastResyncMs + RESYNC_INTERVAL_MS - Date.now();
      if (wait > 0) {
        this.scheduleFlush(wait);
        return;
      }
      this.lastResyncMs = Date.now();
      this.pending.clear();
      this.broadcast(eventText(EVENT.resync, {}));
      return;
    }
    const batch = this.pending.take();
    const changes: ChangeJson[] = batch.flushed ? [{ type: "flush" }] : [];
    for (const change of batch.changes) changes.push(changeJson(change));
    this.broadcast(eventText(EVENT.changes, { changes } satisfies ChangesEventJson));
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

function changeJson(change: KeyChange): Exclude<ChangeJson, { type: "flush" }> {
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
