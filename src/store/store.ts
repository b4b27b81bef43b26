/**
 * The Store: every item operation over bun:sqlite, and the group commit.
 * It is the only code that touches SQLite.
 *
 * Durability: a write opens (or joins) the current batch transaction. The
 * batch commits once, in a setImmediate after the event-loop turn that
 * opened it, so writes from every connection in that turn share one commit.
 * Callers must not acknowledge a write before `whenDurable` calls them back.
 *
 * Reads outside a batch share one read transaction per event-loop turn too:
 * with SQLite's normal locking every transaction takes and drops a lock in
 * the shared-memory index, about 2 us, which one transaction per turn pays
 * once for all the reads of that turn.
 *
 * Around SQLite: the memory tier answers gets of hot keys (memory-tier.ts),
 * the item count and bytes are kept in memory (item-counters.ts), a worker
 * thread checkpoints the log (checkpointer.ts), and a lock file keeps a
 * second server out (lock-file.ts).
 */
import { Database, type Statement } from "bun:sqlite";
import { accessSync, constants, existsSync, statfsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { SyncMode } from "../config.ts";
import {
  Checkpointer,
  type CheckpointOptions,
  DEFAULT_CHECKPOINT_OPTIONS,
} from "./checkpointer.ts";
import { ItemCounters } from "./item-counters.ts";
import { type ItemDetails, type KeyPageQuery, KeyReader, type KeySummary } from "./key-reader.ts";
import { LOCK_FILE_SUFFIX, LockFile } from "./lock-file.ts";
import { MemoryPressure } from "./memory-pressure.ts";
import { keyName, MemoryTier } from "./memory-tier.ts";
import { migrate } from "./schema.ts";

/**
 * An item as a get returns it. Its value may be a view of the memory tier's
 * arena, valid until the next Store call: copy it to keep it longer.
 */
export interface Item {
  value: Uint8Array;
  flags: number;
  cas: number;
}

export type { ItemDetails, KeyPageQuery, KeySummary } from "./key-reader.ts";

export type Change =
  | { type: "set"; key: Uint8Array; size: number; flags: number; cas: number; modifiedMs: number }
  | { type: "delete"; key: Uint8Array }
  | { type: "flush" };

export type ChangeListener = (changes: readonly Change[]) => void;
/** Called once the batch holding the caller's writes committed (error undefined) or failed. */
export type DurableCallback = (error: Error | undefined) => void;

export interface StoreOptions {
  sync: SyncMode;
  /** The memory tier's byte budget (default 64 MiB); 0 turns it off. */
  memoryBytes?: number;
  /** When the checkpoint worker runs (tests shorten both). */
  checkpoint?: CheckpointOptions;
}

/** memcached's default -m. */
export const DEFAULT_MEMORY_BYTES = 64 * 1024 * 1024;

/** What the memory tier reports to `stats`. */
export interface MemoryTierStats {
  limitBytes: number;
  bytes: number;
  items: number;
  hits: number;
  misses: number;
  evictions: number;
}

/** A file that exists but is not a database we may use: the message names why. */
export class DatabaseOpenError extends Error {
  override name = "DatabaseOpenError";
}

interface Batch {
  waiters: DurableCallback[];
  changes: Change[];
  /** Set when SQLite rolled the transaction back under us (disk full, I/O error). */
  failure: Error | undefined;
  /**
   * The memory tier's part: each key written in the batch, with where its
   * new value sits in the Store's staging buffer (null once deleted, or not
   * staged). The tier dropped these keys when they were written and takes
   * the items back only if the batch commits.
   */
  written: Map<string, StagedItem | null>;
}

interface StagedItem {
  offset: number;
  length: number;
  flags: number;
  cas: number;
}

interface CounterRow {
  item_count: number;
  item_bytes: number;
  last_cas: number;
  clean_shutdown: number;
}

/**
 * cas values are handed out from blocks reserved in the counters row: the
 * row is written once per block, not once per commit, and a restart goes on
 * after the last reserved value, so no cas is ever given twice.
 */
const CAS_BLOCK = 10_000;
/** The count and bytes are saved with a commit at most this often (and at a clean stop). */
const COUNTER_SAVE_INTERVAL_MS = 1000;
/** The staging buffer of a batch's new values starts this large and grows to at most MAX. */
const INITIAL_STAGING_BYTES = 64 * 1024;
const MAX_STAGING_BYTES = 8 * 1024 * 1024;
/** Keys per SQLite statement in getMany: one prepared statement per count up to it. */
const MULTIGET_BATCH = 32;
/** A log frame: a 4 KiB page and its 24-byte header. */
const WAL_FRAME_BYTES = 4096 + 24;
/** At a clean stop, how long to wait for a running worker checkpoint before emptying the log. */
const CLOSE_CHECKPOINT_WAIT_MS = 5000;
/**
 * Reads of the database file go through a memory map of up to this many
 * bytes instead of a pread and a copy per page: measured on the bench's
 * 90/10 load over ten times the memory budget (92% of gets miss the tier), 21
 * against 25 µs of server CPU per op. Writes still go through the log with
 * ordinary writes. Mapped pages count as file pages (RssFile), which the
 * kernel may drop at any time, not as the process's own memory. 2 GiB is
 * about the most Bun's SQLite maps (it caps the pragma at 0x7fff0000);
 * pages past the map are read as before.
 */
const MMAP_BYTES = 2 * 1024 ** 3;
/** Rows per slice of the byte-total rebuild after an unclean stop (about a millisecond). */
const REBUILD_SLICE_ROWS = 1000;

export class Store {
  readonly path: string;
  private readonly db: Database;
  private readonly lock: LockFile;
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly keys: KeyReader;
  private lastCas: number;
  /** The highest cas this batch may hand out, and the highest one saved in the database. */
  private casLimit: number;
  private savedCasLimit: number;
  private countersSavedAtMs = 0;
  private readonly counters: ItemCounters;
  private readonly tier: MemoryTier;
  private readonly checkpointer: Checkpointer;
  private readonly memoryPressure: MemoryPressure;
  /** New values of the open batch, for the memory tier once it commits. */
  private staging = new Uint8Array(INITIAL_STAGING_BYTES);
  private stagedBytes = 0;
  /** `SELECT … WHERE key IN (?, …)` for each number of keys, prepared when first needed. */
  private readonly multigetStatements: Statement[] = [];
  private rebuildTimer: ReturnType<typeof setTimeout> | undefined;
  private batch: Batch | undefined;
  /** True while the turn's read transaction is open (never while a batch is). */
  private reading = false;
  private readonly changeListeners = new Set<ChangeListener>();
  /** Group commits since start, and those that failed (their writes were not acknowledged). */
  commitCount = 0;
  commitFailureCount = 0;
  /** Checkpoints the event loop ran itself to start the log again (see checkpointer.ts). */
  catchUpCount = 0;
  /** Told how long each group commit took (the slow-commit log). */
  onCommitted: ((durationMs: number) => void) | undefined;

  constructor(path: string, options: StoreOptions) {
    this.path = path;
    const checkpoint = options.checkpoint ?? DEFAULT_CHECKPOINT_OPTIONS;
    ({ db: this.db, lock: this.lock } = openDatabase(path, options, checkpoint));
    this.statements = prepareStatements(this.db);
    this.keys = new KeyReader(this.db);
    this.tier = new MemoryTier(options.memoryBytes ?? DEFAULT_MEMORY_BYTES);
    this.memoryPressure = new MemoryPressure(this.tier.limitBytes);
    this.checkpointer = new Checkpointer(path, options.sync, checkpoint);
    const saved = this.statements.counters.get() as CounterRow;
    this.lastCas = saved.last_cas;
    this.casLimit = saved.last_cas;
    this.savedCasLimit = saved.last_cas;
    const clean = saved.clean_shutdown === 1;
    const count = clean
      ? saved.item_count
      : (this.statements.countItems.get() as { count: number }).count;
    this.counters = new ItemCounters({ count, bytes: saved.item_bytes }, !clean);
    // From now until a clean close, the saved figures may fall behind.
    this.saveCounters(false);
    if (!clean) this.scheduleRebuildSlice();
  }

  // ---- reads ----

  get(key: Uint8Array): Item | null {
    const name = keyName(key);
    const held = this.tier.lookup(name);
    return held !== undefined ? held : this.readThrough(key, name);
  }

  /**
   * Several gets at once, in order (null for a missing key): the tier first,
   * then one SQLite statement per MULTIGET_BATCH keys it did not hold,
   * instead of one per key.
   */
  getMany(keys: readonly Uint8Array[]): (Item | null)[] {
    const items: (Item | null)[] = new Array(keys.length).fill(null);
    const missing: number[] = [];
    const names: string[] = new Array(keys.length);
    for (let index = 0; index < keys.length; index++) {
      const name = keyName(keys[index] as Uint8Array);
      names[index] = name;
      const held = this.tier.lookup(name);
      if (held === undefined) missing.push(index);
      else if (keys.length === 1) items[index] = held;
      else {
        // The next lookup or fill may reuse the arena under this view: copy it.
        items[index] = { value: held.value.slice(), flags: held.flags, cas: held.cas };
      }
    }
    if (missing.length === 0) return items;
    this.beginRead();
    for (let start = 0; start < missing.length; start += MULTIGET_BATCH) {
      const batch = missing.slice(start, start + MULTIGET_BATCH);
      const rows = this.multigetStatement(batch.length).all(
        ...batch.map((index) => keys[index] as Uint8Array),
      ) as (Item & { key: Uint8Array })[];
      const found = new Map<string, Item>();
      for (const row of rows) {
        const name = keyName(row.key);
        const item = { value: row.value, flags: row.flags, cas: row.cas };
        found.set(name, item);
        if (this.isCommitted(name)) this.tier.rememberRead(name, item.value, item.flags, item.cas);
      }
      for (const index of batch) items[index] = found.get(names[index] as string) ?? null;
    }
    return items;
  }

  /** A read past the tier: SQLite's row, which the tier keeps if it is committed state. */
  private readThrough(key: Uint8Array, name: string): Item | null {
    this.beginRead();
    const item = this.statements.get.get(key) as Item | null;
    if (item === null) return null;
    if (this.isCommitted(name)) this.tier.rememberRead(name, item.value, item.flags, item.cas);
    return item;
  }

  has(key: Uint8Array): boolean {
    if (this.tier.lengthOf(keyName(key)) !== undefined) return true;
    this.beginRead();
    return this.statements.exists.get(key) !== null;
  }

  /** An item with its metadata, for the monitor. */
  getDetails(key: Uint8Array): ItemDetails | null {
    this.beginRead();
    return this.keys.getDetails(key);
  }

  /** One page of keys in byte order, for the monitor (see KeyReader.listKeys). */
  listKeys(query: KeyPageQuery): KeySummary[] {
    this.beginRead();
    return this.keys.listKeys(query);
  }

  /** How many keys match, counting no further than `cap` (see KeyReader.countKeys). */
  countKeys(query: { prefix?: Uint8Array; before?: Uint8Array }, cap: number): number {
    this.beginRead();
    return this.keys.countKeys(query, cap);
  }

  // ---- writes (each joins the current batch) ----

  /** Stores unconditionally; returns the new cas. */
  set(key: Uint8Array, value: Uint8Array, flags: number): number {
    this.beginWrite();
    const cas = this.nextCas();
    const modifiedMs = Date.now();
    const name = keyName(key);
    const oldSize = this.sizeOf(key, name);
    this.statements.upsert.run(key, value, flags, cas, modifiedMs);
    if (oldSize === undefined) this.counters.change(key, 1, key.length + value.length);
    else this.counters.change(key, 0, value.length - oldSize);
    this.noteWritten(name, value, flags, cas);
    this.recordSet(key, value.length, flags, cas, modifiedMs);
    return cas;
  }

  /** Stores only if the key is absent; returns the new cas, or 0 when not stored. */
  add(key: Uint8Array, value: Uint8Array, flags: number): number {
    this.beginWrite();
    const name = keyName(key);
    if (this.tier.lengthOf(name) !== undefined) return 0;
    const cas = this.nextCas();
    const modifiedMs = Date.now();
    if (this.statements.insertIfAbsent.run(key, value, flags, cas, modifiedMs).changes === 0) {
      return 0;
    }
    this.counters.change(key, 1, key.length + value.length);
    this.noteWritten(name, value, flags, cas);
    this.recordSet(key, value.length, flags, cas, modifiedMs);
    return cas;
  }

  /** Stores only if the key is present; returns the new cas, or 0 when not stored. */
  replace(key: Uint8Array, value: Uint8Array, flags: number): number {
    this.beginWrite();
    const oldSize = this.sizeOf(key, keyName(key));
    if (oldSize === undefined) return 0;
    return this.updateExisting(key, value, flags, oldSize);
  }

  /**
   * Adds data after (or before) the current value, keeping its flags; false if
   * absent, or if the joined value would be longer than `maxLength` (memcached
   * answers NOT_STORED when the grown item would not fit its size limit).
   */
  concat(
    key: Uint8Array,
    data: Uint8Array,
    position: "append" | "prepend",
    maxLength = Number.POSITIVE_INFINITY,
  ): boolean {
    this.beginWrite();
    const current = this.current(key);
    if (current === null || current.value.length + data.length > maxLength) return false;
    const joined =
      position === "append" ? concatBytes(current.value, data) : concatBytes(data, current.value);
    return this.updateExisting(key, joined, current.flags, current.value.length) !== 0;
  }

  delete(key: Uint8Array): boolean {
    this.beginWrite();
    const old = this.statements.delete.get(key) as { size: number } | null;
    if (old === null) return false;
    this.counters.change(key, -1, -(key.length + old.size));
    this.noteWritten(keyName(key), null, 0, 0);
    this.recordChange({ type: "delete", key: Uint8Array.from(key) });
    return true;
  }

  flush(): void {
    this.beginWrite();
    this.statements.deleteAll.run();
    this.counters.clear();
    // Nothing written before in the batch may come back on commit.
    this.tier.clear();
    (this.batch as Batch).written.clear();
    this.recordChange({ type: "flush" });
  }

  // ---- durability ----

  /** True while writes of this turn wait for their commit. */
  get hasPendingWrites(): boolean {
    return this.batch !== undefined;
  }

  /** Calls back once everything written so far is durable (at once if nothing is pending). */
  whenDurable(callback: DurableCallback): void {
    if (this.batch === undefined) callback(undefined);
    else this.batch.waiters.push(callback);
  }

  /**
   * After a write threw: if SQLite already rolled the whole transaction back
   * (it does for SQLITE_FULL and I/O errors), earlier writes of this batch are
   * gone too, so the batch must report failure to all its waiters.
   */
  noteWriteFailure(error: Error): void {
    if (this.batch !== undefined && !this.db.inTransaction) this.batch.failure ??= error;
  }

  /** Commits the open batch now (shutdown uses it; normally setImmediate does). */
  commit(): void {
    const batch = this.batch;
    if (batch === undefined) return;
    this.batch = undefined;
    let failure = batch.failure;
    const startedMs = performance.now();
    if (failure === undefined) {
      try {
        if (this.casLimit !== this.savedCasLimit || this.countersDue()) {
          this.statements.saveCounters.run(
            this.counters.count,
            this.counters.bytes,
            this.casLimit,
            0,
          );
          this.countersSavedAtMs = Date.now();
        }
        this.statements.commit.run();
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
      }
    }
    if (this.db.inTransaction) this.statements.rollback.run();
    if (failure === undefined) {
      this.commitCount++;
      this.afterCommit();
      this.counters.batchCommitted();
      for (const [name, staged] of batch.written) {
        if (staged === null) continue;
        const value = this.staging.subarray(staged.offset, staged.offset + staged.length);
        this.tier.remember(name, value, staged.flags, staged.cas);
      }
      this.savedCasLimit = this.casLimit;
    } else {
      this.commitFailureCount++;
      this.counters.batchFailed();
      // The reservation went with the batch: the next cas reserves again.
      this.casLimit = this.savedCasLimit;
    }
    this.stagedBytes = 0;
    this.onCommitted?.(performance.now() - startedMs);
    for (const waiter of batch.waiters) waiter(failure);
    if (failure === undefined && batch.changes.length > 0) this.emitChanges(batch.changes);
  }

  // ---- change feed (for the monitor) ----

  onChange(listener: ChangeListener): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  // ---- counters ----

  get itemCount(): number {
    return this.counters.count;
  }

  /** Keys plus values; approximate for a while after an unclean stop (see ItemCounters). */
  get itemBytes(): number {
    return this.counters.bytes;
  }

  /** Checkpoints the worker ran since start. */
  get checkpointCount(): number {
    return this.checkpointer.passes;
  }

  memoryTierStats(): MemoryTierStats {
    const tier = this.tier;
    return {
      limitBytes: tier.limitBytes,
      bytes: tier.bytes,
      items: tier.size,
      hits: tier.hits,
      misses: tier.misses,
      evictions: tier.evictions,
    };
  }

  /** Size of the database in bytes (its pages; the write-ahead log is not counted). */
  get fileSize(): number {
    return this.keys.fileSize;
  }

  close(): void {
    this.commit();
    this.endRead();
    clearTimeout(this.rebuildTimer);
    this.memoryPressure.stop();
    this.saveCounters(!this.counters.rebuilding);
    this.checkpointer.close();
    this.emptyLog();
    // close(true) finalizes the prepared statements and releases the file at
    // once; close(false) would keep the connection alive until every
    // statement was garbage collected.
    this.db.close(true);
    this.lock.release();
  }

  // ---- internals ----

  private readonly commitScheduled = (): void => this.commit();
  private readonly endReadScheduled = (): void => this.endRead();

  /** Opens the turn's read transaction unless one (or a batch) is open already. */
  private beginRead(): void {
    if (this.reading || this.batch !== undefined) return;
    this.statements.begin.run();
    this.reading = true;
    setImmediate(this.endReadScheduled);
  }

  private endRead(): void {
    if (!this.reading) return;
    this.reading = false;
    // A read that failed with an I/O error may have ended the transaction.
    if (this.db.inTransaction) this.statements.commit.run();
  }

  private beginWrite(): void {
    // A write needs the write lock: the turn's reads end here, and the rest
    // of the turn reads inside the batch.
    this.endRead();
    if (this.batch !== undefined) {
      if (this.db.inTransaction) return;
      // SQLite rolled the batch back after an error; later writes of this
      // turn get a transaction of their own, the batch stays failed.
      this.statements.beginWrite.run();
      return;
    }
    this.statements.beginWrite.run();
    this.batch = { waiters: [], changes: [], failure: undefined, written: new Map() };
    setImmediate(this.commitScheduled);
  }

  private nextCas(): number {
    const cas = ++this.lastCas;
    if (cas > this.casLimit) this.casLimit = cas + CAS_BLOCK - 1;
    return cas;
  }

  private multigetStatement(count: number): Statement {
    let statement = this.multigetStatements[count];
    if (statement === undefined) {
      const placeholders = new Array(count).fill("?").join(", ");
      statement = this.db.prepare(
        `SELECT key, value, flags, cas FROM items WHERE key IN (${placeholders})`,
      );
      this.multigetStatements[count] = statement;
    }
    return statement;
  }

  /** The item a read-modify-write starts from, not counted as a get. */
  private current(key: Uint8Array): Item | null {
    const name = keyName(key);
    return this.tier.peek(name) ?? this.readThrough(key, name);
  }

  private afterCommit(): void {
    // The catch-up comes before the next worker request: while a worker pass
    // runs, this checkpoint would find it busy and copy nothing.
    if (this.checkpointer.takeCatchUp()) {
      this.catchUpCount++;
      try {
        this.statements.checkpoint.get();
      } catch (error) {
        console.error(`litecached: checkpoint failed: ${describe(error)}`);
      }
    }
    this.checkpointer.afterCommit();
  }

  /**
   * A clean stop leaves an empty log, so the next start has nothing to
   * copy. It waits for a worker checkpoint still running; a failure (disk
   * full) leaves the log for the next start to copy.
   */
  private emptyLog(): void {
    try {
      this.db.run(`PRAGMA busy_timeout = ${CLOSE_CHECKPOINT_WAIT_MS}`);
      this.db.run("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch (error) {
      console.error(`litecached: cannot empty the write-ahead log: ${describe(error)}`);
    }
  }

  /** A key's value length before this write: from the tier if held, else from SQLite. */
  private sizeOf(key: Uint8Array, name: string): number | undefined {
    const held = this.tier.lengthOf(name);
    if (held !== undefined) return held;
    const row = this.statements.sizeOf.get(key) as { size: number } | null;
    return row === null ? undefined : row.size;
  }

  /**
   * A write to `name` joined the batch: the tier forgets the key now (reads
   * of this turn go to SQLite, which sees the batch) and holds the new item
   * once the batch commits. The value is copied to the staging buffer (the
   * caller's bytes usually sit in a connection's input buffer), which is
   * reused batch after batch rather than leaving a copy per write for the
   * garbage collector; a value that does not fit is not staged.
   */
  private noteWritten(name: string, value: Uint8Array | null, flags: number, cas: number): void {
    this.tier.forget(name);
    const batch = this.batch as Batch;
    if (value === null || !this.tier.accepts(name, value.length)) {
      batch.written.set(name, null);
      return;
    }
    const offset = this.stagedBytes;
    if (offset + value.length > this.staging.length) {
      if (offset + value.length > MAX_STAGING_BYTES) {
        batch.written.set(name, null);
        return;
      }
      const grown = new Uint8Array(Math.min(MAX_STAGING_BYTES, 2 * (offset + value.length)));
      grown.set(this.staging.subarray(0, offset));
      this.staging = grown;
    }
    this.staging.set(value, offset);
    this.stagedBytes = offset + value.length;
    batch.written.set(name, { offset, length: value.length, flags, cas });
  }

  /** True when SQLite's row for `name` is committed state (no write in the open batch). */
  private isCommitted(name: string): boolean {
    return this.batch === undefined || !this.batch.written.has(name);
  }

  private countersDue(): boolean {
    return Date.now() - this.countersSavedAtMs >= COUNTER_SAVE_INTERVAL_MS;
  }

  /**
   * Saves the figures and the cas reservation in a transaction of their own
   * (startup and close, when no batch is open), marking a clean stop or not.
   * A failure (disk full at close) leaves the mark unset: the next start recounts.
   */
  private saveCounters(clean: boolean): void {
    try {
      this.statements.beginWrite.run();
      const { count, bytes } = this.counters;
      this.statements.saveCounters.run(count, bytes, this.casLimit, clean ? 1 : 0);
      this.statements.commit.run();
      this.savedCasLimit = this.casLimit;
      this.countersSavedAtMs = Date.now();
    } catch (error) {
      if (this.db.inTransaction) this.statements.rollback.run();
      console.error(`litecached: cannot save the item counters: ${describe(error)}`);
    }
  }

  private readonly rebuildSlice = (): void => {
    this.rebuildTimer = undefined;
    const cursor = this.counters.rebuildCursor;
    if (cursor === undefined) return;
    // The slice must read committed rows only: the scanned total must not
    // hold a write that its batch may still lose.
    if (this.batch === undefined) {
      this.beginRead();
      const rows = this.statements.scanSizes.all(cursor, REBUILD_SLICE_ROWS) as {
        key: Uint8Array;
        size: number;
      }[];
      let bytes = 0;
      for (const row of rows) bytes += row.size;
      this.counters.scanned(rows.at(-1)?.key, bytes);
    }
    this.scheduleRebuildSlice();
  };

  private scheduleRebuildSlice(): void {
    if (!this.counters.rebuilding) return;
    this.rebuildTimer = setTimeout(this.rebuildSlice, 0);
    this.rebuildTimer.unref();
  }

  private updateExisting(
    key: Uint8Array,
    value: Uint8Array,
    flags: number,
    oldLength: number,
  ): number {
    const cas = this.nextCas();
    const modifiedMs = Date.now();
    if (this.statements.update.run(value, flags, cas, modifiedMs, key).changes === 0) return 0;
    this.counters.change(key, 0, value.length - oldLength);
    this.noteWritten(keyName(key), value, flags, cas);
    this.recordSet(key, value.length, flags, cas, modifiedMs);
    return cas;
  }

  private recordSet(key: Uint8Array, size: number, flags: number, cas: number, modifiedMs: number) {
    if (this.changeListeners.size === 0) return;
    this.recordChange({ type: "set", key: Uint8Array.from(key), size, flags, cas, modifiedMs });
  }

  /** Keeps a change for the listeners, who hear of it once its batch commits. */
  private recordChange(change: Change): void {
    if (this.changeListeners.size > 0) this.batch?.changes.push(change);
  }

  private emitChanges(changes: readonly Change[]): void {
    for (const listener of this.changeListeners) {
      try {
        listener(changes);
      } catch (error) {
        console.error("litecached: a change listener failed:", error);
      }
    }
  }
}

function openDatabase(
  path: string,
  options: StoreOptions,
  checkpoint: CheckpointOptions,
): { db: Database; lock: LockFile } {
  let db: Database;
  try {
    db = new Database(path, { create: true, readwrite: true, strict: true });
  } catch (error) {
    throw new DatabaseOpenError(`cannot open ${path}: ${describeOpenFailure(path, error)}`);
  }
  let lock: LockFile | undefined;
  try {
    // Read the header before anything can write: a file that is not an
    // SQLite database fails here and is left untouched.
    db.run("PRAGMA schema_version");
    refuseForeignDatabase(db, path);
    lock = takeLock(path);
    db.run("PRAGMA busy_timeout = 0");
    const mode = db.query("PRAGMA journal_mode = WAL").get() as { journal_mode: string };
    if (mode.journal_mode !== "wal") throw new Error(`journal mode is ${mode.journal_mode}`);
    db.run(`PRAGMA synchronous = ${options.sync === "full" ? "FULL" : "NORMAL"}`);
    // 8 MiB: the memory tier holds the hot values now, SQLite's cache mostly
    // the b-tree's inner pages; a larger cache also makes commits slower.
    db.run("PRAGMA cache_size = -8192");
    // Checkpoints run in the checkpoint worker (see checkpointer.ts), never
    // inside a commit here. A log that grew past the restart point while
    // writes went on is cut back when it starts again.
    db.run("PRAGMA wal_autocheckpoint = 0");
    db.run(`PRAGMA journal_size_limit = ${checkpoint.restartLogFrames * WAL_FRAME_BYTES}`);
    db.run("PRAGMA temp_store = MEMORY");
    db.run(`PRAGMA mmap_size = ${MMAP_BYTES}`);
    // Take the write lock now, so a database another process is writing to
    // is a startup error rather than a failure on the first write.
    db.run("BEGIN IMMEDIATE");
    db.run("COMMIT");
    // Fold a log left by a kill or a failed stop into the database now: on a
    // disk still full this fails, and startup says so instead of the first write.
    db.run("PRAGMA wal_checkpoint(TRUNCATE)");
    migrate(db);
  } catch (error) {
    // Finalizes any statement a migration left, so that the file is free.
    db.close(true);
    lock?.release();
    if (error instanceof DatabaseOpenError) throw error;
    if (isBusy(error)) {
      throw new DatabaseOpenError(
        `${path} is in use by another process, such as another litecached (${describe(error)})`,
      );
    }
    throw new DatabaseOpenError(`cannot use ${path}: ${describeOpenFailure(path, error)}`);
  }
  return { db, lock };
}

/** The lock file keeps a second litecached out; its message names the file. */
function takeLock(path: string): LockFile {
  try {
    return new LockFile(path);
  } catch (error) {
    if (!isBusy(error)) throw error;
    throw new DatabaseOpenError(
      `${path} is in use by another process, such as another litecached (${path}${LOCK_FILE_SUFFIX} is locked)`,
    );
  }
}

/**
 * An SQLite file belongs to someone else unless it is empty (no schema yet)
 * or has litecached's tables. A user_version alone proves nothing: other
 * programs set it too.
 */
function refuseForeignDatabase(db: Database, path: string): void {
  const { user_version } = db.query("PRAGMA user_version").get() as { user_version: number };
  const isEmpty = db.query("SELECT name FROM sqlite_schema LIMIT 1").get() === null;
  if (user_version === 0 && isEmpty) return;
  const { ours } = db
    .query(
      "SELECT count(*) AS ours FROM sqlite_schema WHERE type = 'table' AND name IN ('items', 'counters')",
    )
    .get() as { ours: number };
  if (user_version === 0 || ours !== 2) {
    throw new DatabaseOpenError(`${path} is an SQLite database but not a litecached one`);
  }
}

function prepareStatements(db: Database) {
  const prepare = (sql: string): Statement => db.prepare(sql);
  return {
    get: prepare("SELECT value, flags, cas FROM items WHERE key = ?"),
    exists: prepare("SELECT 1 FROM items WHERE key = ?"),
    upsert: prepare(
      `INSERT INTO items (key, value, flags, cas, modified_ms) VALUES (?1, ?2, ?3, ?4, ?5)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, flags = excluded.flags,
         cas = excluded.cas, modified_ms = excluded.modified_ms`,
    ),
    insertIfAbsent: prepare(
      `INSERT INTO items (key, value, flags, cas, modified_ms) VALUES (?1, ?2, ?3, ?4, ?5)
       ON CONFLICT (key) DO NOTHING`,
    ),
    update: prepare(
      "UPDATE items SET value = ?1, flags = ?2, cas = ?3, modified_ms = ?4 WHERE key = ?5",
    ),
    sizeOf: prepare("SELECT length(value) AS size FROM items WHERE key = ?"),
    delete: prepare("DELETE FROM items WHERE key = ? RETURNING length(value) AS size"),
    deleteAll: prepare("DELETE FROM items"),
    counters: prepare(
      "SELECT item_count, item_bytes, last_cas, clean_shutdown FROM counters WHERE id = 1",
    ),
    saveCounters: prepare(
      `UPDATE counters SET item_count = ?1, item_bytes = ?2, last_cas = ?3, clean_shutdown = ?4
       WHERE id = 1`,
    ),
    countItems: prepare("SELECT count(*) AS count FROM items"),
    checkpoint: prepare("PRAGMA wal_checkpoint(PASSIVE)"),
    scanSizes: prepare(
      `SELECT key, length(key) + length(value) AS size FROM items
       WHERE key > ?1 ORDER BY key LIMIT ?2`,
    ),
    begin: prepare("BEGIN"),
    beginWrite: prepare("BEGIN IMMEDIATE"),
    commit: prepare("COMMIT"),
    rollback: prepare("ROLLBACK"),
  };
}

function concatBytes(first: Uint8Array, second: Uint8Array): Uint8Array {
  const joined = new Uint8Array(first.length + second.length);
  joined.set(first, 0);
  joined.set(second, first.length);
  return joined;
}

/** SQLITE_BUSY: another connection holds the file's lock. */
function isBusy(error: unknown): boolean {
  return hasCode(error, "SQLITE_BUSY");
}

function hasCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === code;
}

/**
 * SQLite names the usual reasons a database cannot be opened vaguely
 * ("unable to open database file", "disk I/O error"); say which it is.
 * The folder matters too: the write-ahead log is a file beside the database.
 */
function describeOpenFailure(path: string, error: unknown): string {
  const folder = dirname(resolve(path));
  const problem =
    notWritable(folder, "its folder") ??
    (existsSync(path) ? notWritable(path, "the file") : undefined) ??
    (isDiskFull(folder) || hasCode(error, "SQLITE_FULL") ? "the disk is full" : undefined);
  return problem === undefined ? describe(error) : `${problem} (${describe(error)})`;
}

function notWritable(path: string, what: string): string | undefined {
  try {
    accessSync(path, constants.W_OK);
    return undefined;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "EROFS") return `${what} is on a read-only file system`;
    if (code === "EACCES" || code === "EPERM") return `${what} is not writable`;
    return undefined;
  }
}

function isDiskFull(folder: string): boolean {
  try {
    return statfsSync(folder).bavail === 0;
  } catch {
    return false;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
