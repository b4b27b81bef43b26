/**
 * The command core: protocol-neutral requests run against the Store, with
 * protocol-neutral results. Every protocol (text, meta, binary) parses its
 * own bytes into these calls and encodes the results its own way, so the
 * rules of memcached's items (store modes, cas checks, incr/decr
 * arithmetic, invalidation) and the `stats` counters live here once.
 *
 * No sockets and no reply bytes here: the caller acknowledges a write only
 * once the Store says it is durable.
 */
import { MEMCACHED_PROTOCOL_VERSION } from "../config.ts";
import type { Stats } from "../stats.ts";
import type { Item, KeySummary, Store } from "../store/store.ts";
import { type ItemState, ItemStates } from "./item-states.ts";
import {
  applyDelta,
  type DeltaDirection,
  formatDeltaResult,
  parseStoredNumber,
} from "./numbers.ts";
import {
  generalStats,
  itemStats,
  type Settings,
  type StatEntry,
  settingsStats,
} from "./stats-entries.ts";

export type { Item } from "../store/store.ts";

/** How a store request treats the key's current item. */
export type StoreMode = "set" | "add" | "replace" | "append" | "prepend";

export interface StoreRequest {
  mode: StoreMode;
  key: Uint8Array;
  value: Uint8Array;
  flags: number;
  /**
   * Store only if the item's cas is this (classic `cas`, meta `C`). As in
   * memcached, 0 means "no compare" for add/append/prepend and matches
   * nothing for set/replace.
   */
  compareCas?: number;
  /**
   * Meta `I` with `C`: a cas older than the item's still stores, but the
   * item is marked stale (memcached's CAS_STALE).
   */
  invalidate?: boolean;
  /** Meta `b`: the key came base64-encoded, and `k` returns it so. */
  binaryKey?: boolean;
}

export type StoreStatus = "stored" | "not_stored" | "exists" | "not_found";

export interface StoreResult {
  status: StoreStatus;
  /** The stored item's cas; 0 when nothing was stored. */
  cas: number;
}

export type DeleteStatus = "deleted" | "not_found" | "exists";

export interface DeleteRequest {
  key: Uint8Array;
  /** Delete only if the item's cas is this (meta `C`; 0: no compare). */
  compareCas?: number;
  /** Meta `I`: mark the item stale (and give it a new cas) instead of deleting it. */
  invalidate?: boolean;
}

export interface ArithmeticRequest {
  key: Uint8Array;
  direction: DeltaDirection;
  delta: bigint;
  /** Change only if the item's cas is this (meta `C`, binary cas; 0: no compare). */
  compareCas?: number;
  /** Meta `N`/binary: create a missing item holding this number instead of failing. */
  initial?: bigint;
}

export type ArithmeticResult =
  | { status: "ok"; value: bigint; cas: number; created: boolean }
  | { status: "not_found" | "non_numeric" | "exists" };

/** How an item is read: as a get, or as a touch (gat, meta `T`), for the counters. */
export type FetchKind = "get" | "touch";

export interface MetaFetchOptions {
  kind: FetchKind;
  /** Meta `N`: create an empty item on a miss (the creator wins the recache token). */
  vivify: boolean;
  /** Meta `u`: do not count this read as an access (hit-before and last access stay). */
  noUpdate: boolean;
}

/** A meta read: the item and what memcached keeps in its header. */
export interface MetaFetchResult {
  item: Item;
  /** `h`: fetched before this request. */
  hitBefore: boolean;
  /** `l`: seconds since the last access before this request. */
  lastAccessSeconds: number;
  /** `X`: the item was invalidated. */
  stale: boolean;
  /** `Z`: a client already won the token to recache this item. */
  tokenAlreadySent: boolean;
  /** `W`: this client wins the token (a vivified miss, or the first read of a stale item). */
  won: boolean;
  /** The key was stored base64-encoded (`ms … b`). */
  binaryKey: boolean;
  /** The item was vivified by this request (a write, to be acknowledged after its commit). */
  created: boolean;
}

/** What `me` shows. */
export interface ItemDebugInfo {
  item: Item;
  binaryKey: boolean;
  lastAccessSeconds: number;
  fetched: boolean;
}

/** setTimeout fires at once for delays over 2^31-1 ms (24.8 days); longer waits are chained. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;
const EMPTY = new Uint8Array(0);
const asciiEncoder = new TextEncoder();

export class CommandCore {
  readonly store: Store;
  readonly stats: Stats;
  readonly settings: Settings;
  /** Item header state the meta protocol reads (item-states.ts). */
  readonly itemStates = new ItemStates();
  private pendingFlush: ReturnType<typeof setTimeout> | undefined;

  constructor(store: Store, stats: Stats, settings: Settings) {
    this.store = store;
    this.stats = stats;
    this.settings = settings;
  }

  /** The memcached release whose protocol litecached speaks (`version`). */
  get version(): string {
    return MEMCACHED_PROTOCOL_VERSION;
  }

  /** Cancels timers (a delayed flush_all) so the process can exit. */
  dispose(): void {
    clearTimeout(this.pendingFlush);
  }

  // ---- reads ----

  /** One key of a get, gets, gat or gats (or a binary get): the item or null. */
  fetch(key: Uint8Array, kind: FetchKind): Item | null {
    const item = this.store.get(key);
    this.countFetch(kind, item !== null);
    if (item !== null && this.itemStates.tracking) this.itemStates.noteFetch(key);
    return item;
  }

  /**
   * The keys of a multiget, in order: the store looks them up together (the
   * memory tier first, then one SQLite statement for the rest).
   */
  fetchMany(keys: readonly Uint8Array[], kind: FetchKind): (Item | null)[] {
    const items = this.store.getMany(keys);
    for (let index = 0; index < keys.length; index++) {
      const found = items[index] !== null;
      this.countFetch(kind, found);
      if (found && this.itemStates.tracking) this.itemStates.noteFetch(keys[index] as Uint8Array);
    }
    return items;
  }

  /** A meta get: the item with its header state, vivified on a miss if asked. */
  metaFetch(key: Uint8Array, options: MetaFetchOptions): MetaFetchResult | null {
    this.itemStates.startTracking();
    let item = this.store.get(key);
    let created = false;
    if (item === null && options.vivify) {
      // memcached links an empty item with flags 0 and hands out the win.
      const cas = this.store.set(key, EMPTY, 0);
      item = { value: EMPTY, flags: 0, cas };
      this.itemStates.noteStore(key);
      created = true;
    }
    // A vivified miss is not counted as a miss (memcached neither).
    this.countFetch(options.kind, item !== null);
    if (item === null) return null;
    const state = this.itemStates.peek(key) as ItemState;
    const tokenAlreadySent = state.tokenSent;
    const won = !tokenAlreadySent && (created || state.stale);
    const result: MetaFetchResult = {
      item,
      hitBefore: state.fetched,
      lastAccessSeconds: this.itemStates.secondsSince(state),
      stale: state.stale,
      tokenAlreadySent,
      won,
      created,
      binaryKey: state.binaryKey,
    };
    const next = { ...state, tokenSent: state.tokenSent || won };
    if (!options.noUpdate) {
      next.fetched = true;
      next.lastAccessMs = Date.now();
    }
    this.itemStates.save(key, next);
    return result;
  }

  /** `me`: the item and its access state, without counting as an access. */
  debugInfo(key: Uint8Array): ItemDebugInfo | null {
    this.itemStates.startTracking();
    const item = this.store.get(key);
    if (item === null) return null;
    const state = this.itemStates.peek(key) as ItemState;
    return {
      item,
      binaryKey: state.binaryKey,
      lastAccessSeconds: this.itemStates.secondsSince(state),
      fetched: state.fetched,
    };
  }

  /** touch: items never expire, so this only says whether the key exists. */
  touch(key: Uint8Array): boolean {
    const counters = this.stats.counters;
    counters.cmd_touch++;
    const found = this.store.has(key);
    if (found) counters.touch_hits++;
    else counters.touch_misses++;
    return found;
  }

  private countFetch(kind: FetchKind, hit: boolean): void {
    const counters = this.stats.counters;
    if (kind === "touch") {
      counters.cmd_touch++;
      if (hit) counters.touch_hits++;
      else counters.touch_misses++;
    } else {
      counters.cmd_get++;
    }
    if (hit) counters.get_hits++;
    else counters.get_misses++;
  }

  // ---- writes ----

  /** set, add, replace, append, prepend and cas, as memcached's do_store_item. */
  storeItem(request: StoreRequest): StoreResult {
    this.stats.counters.cmd_set++;
    const result = this.runStore(request);
    if (result.status === "stored") this.stats.counters.total_items++;
    return result;
  }

  private runStore(request: StoreRequest): StoreResult {
    const { mode, key, value, flags, compareCas } = request;
    const binaryKey = request.binaryKey === true;
    const counters = this.stats.counters;
    const notStored: StoreResult = { status: "not_stored", cas: 0 };
    // A compare turns set and replace into memcached's NREAD_CAS.
    if (compareCas !== undefined && (mode === "set" || mode === "replace")) {
      const current = this.store.get(key);
      if (current === null) {
        counters.cas_misses++;
        return { status: "not_found", cas: 0 };
      }
      const stale = request.invalidate === true && compareCas !== 0 && compareCas < current.cas;
      if (current.cas !== compareCas && !stale) {
        counters.cas_badval++;
        return { status: "exists", cas: 0 };
      }
      counters.cas_hits++;
      const cas = this.store.replace(key, value, flags);
      if (stale) this.markStaleAfterStore(key);
      else this.itemStates.noteStore(key, binaryKey);
      return { status: "stored", cas };
    }
    switch (mode) {
      case "set": {
        const cas = this.store.set(key, value, flags);
        this.itemStates.noteStore(key, binaryKey);
        return { status: "stored", cas };
      }
      case "add": {
        const cas = this.store.add(key, value, flags);
        if (cas === 0) return notStored;
        this.itemStates.noteStore(key, binaryKey);
        return { status: "stored", cas };
      }
      case "replace": {
        const cas = this.store.replace(key, value, flags);
        if (cas === 0) return notStored;
        this.itemStates.noteStore(key, binaryKey);
        return { status: "stored", cas };
      }
      case "append":
      case "prepend":
        return this.concat(request);
    }
  }

  private concat(request: StoreRequest): StoreResult {
    const { key, value, compareCas } = request;
    const current = this.store.get(key);
    if (current === null) return { status: "not_stored", cas: 0 };
    if (compareCas !== undefined && compareCas !== 0 && compareCas !== current.cas) {
      return { status: "exists", cas: 0 };
    }
    const mode = request.mode === "prepend" ? "prepend" : "append";
    // memcached answers NOT_STORED when the grown item would not fit its size limit.
    if (!this.store.concat(key, value, mode, this.settings.maxItemSize)) {
      return { status: "not_stored", cas: 0 };
    }
    this.itemStates.noteStore(key, request.binaryKey === true);
    return { status: "stored", cas: this.store.get(key)?.cas ?? 0 };
  }

  /** A stale store keeps the recache token, so the winner is not raced again. */
  private markStaleAfterStore(key: Uint8Array): void {
    this.itemStates.startTracking();
    const state = this.itemStates.peek(key) as ItemState;
    this.itemStates.save(key, { ...state, fetched: false, lastAccessMs: Date.now(), stale: true });
  }

  /**
   * A storage request whose value was over the item size limit (and was
   * skipped). As memcached does, it also removes the key's old value when
   * asked, so a reader never sees a value older than the one the client
   * tried to write.
   */
  rejectTooLarge(key: Uint8Array, removeOldValue: boolean): void {
    this.stats.counters.store_too_large++;
    if (removeOldValue) this.deleteQuietly(key);
  }

  delete(request: DeleteRequest): DeleteStatus {
    const counters = this.stats.counters;
    const { key, compareCas } = request;
    if ((compareCas !== undefined && compareCas !== 0) || request.invalidate === true) {
      const current = this.store.get(key);
      if (current === null) {
        counters.delete_misses++;
        return "not_found";
      }
      if (compareCas !== undefined && compareCas !== 0 && current.cas !== compareCas) {
        counters.delete_misses++;
        return "exists";
      }
      if (request.invalidate === true) {
        // Stale, with a new cas and the token free for the next reader to win.
        this.store.replace(key, current.value, current.flags);
        this.itemStates.startTracking();
        const state = this.itemStates.peek(key) as ItemState;
        this.itemStates.save(key, { ...state, stale: true, tokenSent: false });
        return "deleted";
      }
    }
    const deleted = this.deleteQuietly(key);
    if (deleted) counters.delete_hits++;
    else counters.delete_misses++;
    return deleted ? "deleted" : "not_found";
  }

  private deleteQuietly(key: Uint8Array): boolean {
    this.itemStates.forget(key);
    return this.store.delete(key);
  }

  /**
   * incr/decr as memcached's do_add_delta: the value must read as an
   * unsigned 64-bit decimal; incr wraps at 2^64, decr stops at 0; every
   * change gets a new cas and keeps the flags.
   */
  arithmetic(request: ArithmeticRequest): ArithmeticResult {
    const { key, direction, compareCas } = request;
    const counters = this.stats.counters;
    const current = this.store.get(key);
    if (current === null) {
      if (request.initial !== undefined) {
        const cas = this.store.add(key, asciiEncoder.encode(request.initial.toString()), 0);
        this.itemStates.noteStore(key);
        return { status: "ok", value: request.initial, cas, created: true };
      }
      if (direction === "incr") counters.incr_misses++;
      else counters.decr_misses++;
      return { status: "not_found" };
    }
    if (current.value.length === 0) return { status: "non_numeric" };
    if (compareCas !== undefined && compareCas !== 0 && compareCas !== current.cas) {
      return { status: "exists" };
    }
    const number = parseStoredNumber(current.value);
    if (number === undefined) return { status: "non_numeric" };
    if (direction === "incr") counters.incr_hits++;
    else counters.decr_hits++;
    const value = applyDelta(number, request.delta, direction);
    const text = formatDeltaResult(value, current.value.length);
    const cas = this.store.replace(key, asciiEncoder.encode(text), current.flags);
    return { status: "ok", value, cas, created: false };
  }

  /**
   * flush_all: now, or after a delay, removes every item stored before
   * that time, as memcached does. The timer is not persisted: a restart
   * cancels it.
   */
  flush(delaySeconds: number): void {
    this.stats.counters.cmd_flush++;
    clearTimeout(this.pendingFlush);
    this.pendingFlush = undefined;
    if (delaySeconds === 0) {
      this.flushNow();
      return;
    }
    this.scheduleFlush(Date.now() + delaySeconds * 1000);
  }

  private flushNow(): void {
    this.store.flush();
    this.itemStates.forgetAll();
  }

  private scheduleFlush(atMs: number): void {
    const delayMs = Math.min(Math.max(0, atMs - Date.now()), MAX_TIMER_DELAY_MS);
    this.pendingFlush = setTimeout(() => {
      if (Date.now() < atMs) {
        this.scheduleFlush(atMs);
        return;
      }
      this.pendingFlush = undefined;
      this.flushNow();
    }, delayMs);
  }

  // ---- stats ----

  generalStats(): StatEntry[] {
    return generalStats(this.stats, this.store, this.settings);
  }

  settingsStats(): StatEntry[] {
    return settingsStats(this.settings);
  }

  itemStats(): StatEntry[] {
    return itemStats(this.store);
  }

  resetStats(): void {
    this.stats.reset();
  }

  /** The first keys in byte order (`stats cachedump`). */
  listKeys(limit: number): KeySummary[] {
    return this.store.listKeys({ limit });
  }
}
