/**
 * Text protocol commands: a parsed request plus the Store become replies.
 * No sockets here; the caller decides when the replies may be sent (after
 * the group commit, for writes).
 */
import type { Config } from "../../config.ts";
import { MEMCACHED_PROTOCOL_VERSION } from "../../config.ts";
import type { Stats } from "../../stats.ts";
import type { Item, Store } from "../../store/store.ts";
import type { ReplyBuffer } from "../reply-buffer.ts";
import type { Request, RetrievalCommand, StorageCommand } from "./parser.ts";
import { Reply } from "./replies.ts";
import { formatItems, formatSettings, formatStats } from "./stats-reply.ts";

export type Settings = Pick<
  Config,
  "host" | "port" | "maxConnections" | "maxItemSize" | "idleTimeout" | "sync" | "memory"
>;

const VALUE_PREFIX = new TextEncoder().encode("VALUE ");
const CRLF = new TextEncoder().encode("\r\n");
const VERSION_REPLY = new TextEncoder().encode(`VERSION ${MEMCACHED_PROTOCOL_VERSION}\r\n`);

/** setTimeout fires at once for delays over 2^31-1 ms (24.8 days); longer waits are chained. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** memcached's number of slab classes: a larger class id is refused. */
const SLAB_CLASS_COUNT = 64;
/** Keys one `stats cachedump` lists at most: it runs on the shared event loop. */
const MAX_CACHEDUMP_KEYS = 10_000;
const DECIMAL = /^\d{1,10}$/;
/** Keys fetched together by a get of many keys. */
const MULTIGET_CHUNK = 16;

/** What the connection must do after a request. */
export type Outcome = "continue" | "close";

export class TextCommands {
  private readonly store: Store;
  private readonly stats: Stats;
  private readonly settings: Settings;
  private pendingFlush: ReturnType<typeof setTimeout> | undefined;

  constructor(store: Store, stats: Stats, settings: Settings) {
    this.store = store;
    this.stats = stats;
    this.settings = settings;
  }

  execute(request: Request, out: ReplyBuffer): Outcome {
    switch (request.kind) {
      case "retrieval":
        this.retrieve(request.command, request.keys, out, Number.POSITIVE_INFINITY);
        return "continue";
      case "storage":
        this.storeValue(request, out);
        return "continue";
      case "too_large":
        this.rejectTooLarge(request.command, request.key, request.noreply, out);
        return "continue";
      case "delete":
        this.deleteKey(request.key, request.noreply, out);
        return "continue";
      case "delta":
        this.applyDelta(request.command, request.key, request.delta, request.noreply, out);
        return "continue";
      case "touch":
        this.touch(request.key, request.noreply, out);
        return "continue";
      case "flush_all":
        this.flushAll(request.delaySeconds, request.noreply, out);
        return "continue";
      case "verbosity":
        if (!request.noreply) out.writeBytes(Reply.OK);
        return "continue";
      case "stats":
        this.reportStats(request.arguments, out);
        return "continue";
      case "version":
        out.writeBytes(VERSION_REPLY);
        return "continue";
      case "invalid":
        out.writeBytes(request.reply);
        return "continue";
      case "quit":
        return "close";
      case "close":
        // memcached closes a connection that is not speaking its protocol
        // (HTTP, an overlong line) without sending the replies still
        // waiting in its buffer; the writes themselves stay done.
        out.take();
        return "close";
    }
  }

  /** Cancels timers (a delayed flush_all) so the process can exit. */
  dispose(): void {
    clearTimeout(this.pendingFlush);
  }

  /**
   * Answers the keys in order and returns the index of the first key not
   * answered yet, stopping early once `out` holds `limit` bytes (END comes
   * with the last key). The server uses the limit to stream a multiget of many large
   * values instead of building its whole reply in memory.
   */
  retrieve(
    command: RetrievalCommand,
    keys: readonly Uint8Array[],
    out: ReplyBuffer,
    limit: number,
  ): number {
    const counters = this.stats.counters;
    const withCas = command === "gets" || command === "gats";
    const touching = command === "gat" || command === "gats";
    // Items come MULTIGET_CHUNK keys at a time (Store.getMany: one SQLite
    // statement for those the memory tier lacks), few enough that a chunk of
    // large values stays small beside the output cap.
    let chunk: (Item | null)[] = [];
    let chunkStart = 0;
    for (let index = 0; index < keys.length; index++) {
      if (index > 0 && out.byteLength >= limit) return index;
      const key = keys[index] as Uint8Array;
      if (index - chunkStart >= chunk.length) {
        chunkStart = index;
        chunk = this.store.getMany(keys.slice(index, index + MULTIGET_CHUNK));
      }
      const item = chunk[index - chunkStart] ?? null;
      if (touching) {
        counters.cmd_touch++;
        if (item === null) counters.touch_misses++;
        else counters.touch_hits++;
      } else {
        counters.cmd_get++;
      }
      if (item === null) {
        counters.get_misses++;
        continue;
      }
      counters.get_hits++;
      out.writeBytes(VALUE_PREFIX);
      out.writeBytes(key);
      out.writeAscii(
        withCas
          ? ` ${item.flags} ${item.value.length} ${item.cas}\r\n`
          : ` ${item.flags} ${item.value.length}\r\n`,
      );
      out.writeBytes(item.value);
      out.writeBytes(CRLF);
    }
    out.writeBytes(Reply.END);
    return keys.length;
  }

  private storeValue(request: Extract<Request, { kind: "storage" }>, out: ReplyBuffer): void {
    const { key, value, flags, noreply } = request;
    const counters = this.stats.counters;
    counters.cmd_set++;
    let reply: Uint8Array;
    switch (request.command) {
      case "set":
        this.store.set(key, value, flags);
        reply = Reply.STORED;
        break;
      case "add":
        reply = this.store.add(key, value, flags) !== 0 ? Reply.STORED : Reply.NOT_STORED;
        break;
      case "replace":
        reply = this.store.replace(key, value, flags) !== 0 ? Reply.STORED : Reply.NOT_STORED;
        break;
      case "append":
      case "prepend":
        reply = this.store.concat(key, value, request.command, this.settings.maxItemSize)
          ? Reply.STORED
          : Reply.NOT_STORED;
        break;
      case "cas":
        reply = this.compareAndSwap(key, value, flags, request.casUnique);
        break;
    }
    if (reply === Reply.STORED) counters.total_items++;
    if (!noreply) out.writeAcknowledgement(reply);
  }

  private compareAndSwap(key: Uint8Array, value: Uint8Array, flags: number, cas: bigint) {
    const counters = this.stats.counters;
    switch (this.store.compareAndSwap(key, value, flags, cas)) {
      case "stored":
        counters.cas_hits++;
        return Reply.STORED;
      case "exists":
        counters.cas_badval++;
        return Reply.EXISTS;
      case "not_found":
        counters.cas_misses++;
        return Reply.NOT_FOUND;
    }
  }

  /**
   * The value was over the item size limit and its data was skipped. As
   * memcached does, a failed `set` also removes the key's old value, so a
   * reader never sees a value older than the one the client tried to write.
   */
  private rejectTooLarge(
    command: StorageCommand,
    key: Uint8Array,
    noreply: boolean,
    out: ReplyBuffer,
  ) {
    this.stats.counters.store_too_large++;
    if (command === "set") this.store.delete(key);
    if (!noreply) out.writeAcknowledgement(Reply.OBJECT_TOO_LARGE);
  }

  private deleteKey(key: Uint8Array, noreply: boolean, out: ReplyBuffer): void {
    const counters = this.stats.counters;
    const deleted = this.store.delete(key);
    if (deleted) counters.delete_hits++;
    else counters.delete_misses++;
    if (!noreply) out.writeAcknowledgement(deleted ? Reply.DELETED : Reply.NOT_FOUND);
  }

  private applyDelta(
    command: "incr" | "decr",
    key: Uint8Array,
    delta: bigint,
    noreply: boolean,
    out: ReplyBuffer,
  ): void {
    const counters = this.stats.counters;
    const result = this.store.applyDelta(key, delta, command);
    if (result === "not_found") {
      if (command === "incr") counters.incr_misses++;
      else counters.decr_misses++;
    } else if (command === "incr") counters.incr_hits++;
    else counters.decr_hits++;
    if (noreply) return;
    if (result === "not_found") out.writeAcknowledgement(Reply.NOT_FOUND);
    else if (result === "non_numeric") out.writeBytes(Reply.NON_NUMERIC_VALUE);
    else out.writeAsciiAcknowledgement(`${result}\r\n`);
  }

  private touch(key: Uint8Array, noreply: boolean, out: ReplyBuffer): void {
    const counters = this.stats.counters;
    counters.cmd_touch++;
    const found = this.store.has(key);
    if (found) counters.touch_hits++;
    else counters.touch_misses++;
    if (!noreply) out.writeBytes(found ? Reply.TOUCHED : Reply.NOT_FOUND);
  }

  /**
   * flush_all with a delay removes, at that time, every item stored before
   * it, as memcached does. The timer is not persisted: a restart cancels it.
   */
  private flushAll(delaySeconds: number, noreply: boolean, out: ReplyBuffer): void {
    this.stats.counters.cmd_flush++;
    clearTimeout(this.pendingFlush);
    this.pendingFlush = undefined;
    if (delaySeconds === 0) {
      this.store.flush();
      if (!noreply) out.writeAcknowledgement(Reply.OK);
      return;
    }
    this.scheduleFlush(Date.now() + delaySeconds * 1000);
    if (!noreply) out.writeBytes(Reply.OK);
  }

  private scheduleFlush(atMs: number): void {
    const delayMs = Math.min(Math.max(0, atMs - Date.now()), MAX_TIMER_DELAY_MS);
    this.pendingFlush = setTimeout(() => {
      if (Date.now() < atMs) {
        this.scheduleFlush(atMs);
        return;
      }
      this.pendingFlush = undefined;
      this.store.flush();
    }, delayMs);
  }

  private reportStats(args: string[], out: ReplyBuffer): void {
    const [group, ...rest] = args;
    switch (group) {
      case undefined:
        out.writeAscii(formatStats(this.stats, this.store, this.settings));
        return;
      case "settings":
        out.writeAscii(formatSettings(this.settings));
        return;
      case "reset":
        this.stats.reset();
        out.writeBytes(Reply.RESET);
        return;
      case "items":
        out.writeAscii(formatItems(this.store));
        return;
      case "cachedump":
        this.dumpKeys(rest, out);
        return;
      case "slabs":
      case "sizes":
      case "conns":
        // litecached has no slabs, LRU or connection details to show; an
        // empty listing keeps tools working.
        out.writeBytes(Reply.END);
        return;
      case "detail":
        if (rest[0] === "on" || rest[0] === "off") out.writeBytes(Reply.OK);
        else if (rest[0] === "dump") out.writeBytes(Reply.END);
        else out.writeBytes(Reply.STATS_DETAIL_USAGE);
        return;
      default:
        out.writeBytes(Reply.ERROR);
    }
  }

  /**
   * `stats cachedump <class> <limit>`: the first keys in byte order, as
   * memcached lists a slab class's keys (`ITEM <key> [<size> b; <exptime> s]`;
   * items never expire, so 0 s). A limit of 0 means as many as allowed.
   */
  private dumpKeys(args: string[], out: ReplyBuffer): void {
    const [classText, limitText] = args;
    if (classText === undefined || limitText === undefined) {
      out.writeBytes(Reply.BAD_COMMAND_LINE_SHORT);
      return;
    }
    if (!DECIMAL.test(classText) || !DECIMAL.test(limitText)) {
      out.writeBytes(Reply.BAD_COMMAND_LINE);
      return;
    }
    const slabClass = Number(classText);
    if (slabClass >= SLAB_CLASS_COUNT) {
      out.writeBytes(Reply.ILLEGAL_SLAB_ID);
      return;
    }
    if (slabClass === 1) {
      const requested = Number(limitText);
      const limit = requested === 0 ? MAX_CACHEDUMP_KEYS : Math.min(requested, MAX_CACHEDUMP_KEYS);
      for (const summary of this.store.listKeys({ limit })) {
        out.writeAscii("ITEM ");
        out.writeBytes(summary.key);
        out.writeAscii(` [${summary.size} b; 0 s]\r\n`);
      }
    }
    out.writeBytes(Reply.END);
  }
}
