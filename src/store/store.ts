/**
 * The Store: every item operation over bun:sqlite, and the group commit.
 * It is the only code that touches SQLite.
 *
 * Durability: a write opens (or joins) the current batch transaction. The
 * batch commits once, in a setImmediate after the event-loop turn that
 * opened it, so writes from every connection in that turn share one commit.
 * Callers must not acknowledge a write before `whenDurable` calls them back.
 */
import { Database, type Statement } from "bun:sqlite";
import { accessSync, constants, existsSync, statfsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { SyncMode } from "../config.ts";
import { migrate } from "./schema.ts";

export interface Item {
  value: Uint8Array;
  flags: number;
  cas: number;
}

export interface ItemDetails extends Item {
  key: Uint8Array;
  modifiedMs: number;
}

/** One row of the monitor's key list: metadata only, never the value. */
export interface KeySummary {
  key: Uint8Array;
  size: number;
  flags: number;
  cas: number;
  modifiedMs: number;
}

export interface KeyPageQuery {
  /** Only keys starting with these bytes. */
  prefix?: Uint8Array;
  /** Keys strictly after this one (next page)... */
  after?: Uint8Array;
  /** ...or strictly before this one (previous page); ignored when `after` is set. */
  before?: Uint8Array;
  limit: number;
}

export type Change =
  | { type: "set"; key: Uint8Array; size: number; flags: number; cas: number; modifiedMs: number }
  | { type: "delete"; key: Uint8Array }
  | { type: "flush" };

export type ChangeListener = (changes: readonly Change[]) => void;
/** Called once the batch holding the caller's writes committed (error undefined) or failed. */
export type DurableCallback = (error: Error | undefined) => void;

export interface StoreOptions {
  sync: SyncMode;
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
}

interface CounterRow {
  item_count: number;
  item_bytes: number;
  last_cas: number;
}

export class Store {
  readonly path: string;
  private readonly db: Database;
  private readonly statements: ReturnType<typeof prepareStatements>;
  private lastCas: number;
  private batch: Batch | undefined;
  private readonly changeListeners = new Set<ChangeListener>();
  /** Group commits since start, and those that failed (their writes were not acknowledged). */
  commitCount = 0;
  commitFailureCount = 0;

  constructor(path: string, options: StoreOptions) {
    this.path = path;
    this.db = openDatabase(path, options);
    this.statements = prepareStatements(this.db);
    this.lastCas = this.readCounters().last_cas;
  }

  // ---- reads ----

  get(key: Uint8Array): Item | null {
    return this.statements.get.get(key) as Item | null;
  }

  has(key: Uint8Array): boolean {
    return this.statements.exists.get(key) !== null;
  }

  /** An item with its metadata, for the monitor. */
  getDetails(key: Uint8Array): ItemDetails | null {
    return this.statements.getDetails.get(key) as ItemDetails | null;
  }

  /**
   * One page of keys in byte order, found by keyset pagination over the
   * primary key index, so a page costs the same at the millionth key as at
   * the first. Returned in ascending order whichever way it was fetched.
   */
  listKeys(query: KeyPageQuery): KeySummary[] {
    const prefix = query.prefix ?? new Uint8Array(0);
    const prefixEnd = prefixUpperBound(prefix);
    // Each bound is a plain `key > ?` / `key < ?` so SQLite seeks to it in the
    // index; bounds hidden behind `?x IS NULL OR ...` are checked row by row,
    // which scans from the prefix to the cursor (or to the end of the table).
    if (query.after === undefined && query.before !== undefined) {
      const upper =
        prefixEnd !== null && compareBytes(prefixEnd, query.before) < 0 ? prefixEnd : query.before;
      const rows = this.statements.listBefore.all(prefix, upper, query.limit) as KeySummary[];
      return rows.reverse();
    }
    // `after` at or past the prefix implies the prefix bound; before it, the prefix binds.
    const exclusive = query.after !== undefined && compareBytes(query.after, prefix) >= 0;
    const lower = exclusive ? (query.after as Uint8Array) : prefix;
    if (prefixEnd === null) {
      const statement = exclusive ? this.statements.listAfter : this.statements.listFrom;
      return statement.all(lower, query.limit) as KeySummary[];
    }
    const statement = exclusive ? this.statements.listAfterBelow : this.statements.listFromBelow;
    return statement.all(lower, prefixEnd, query.limit) as KeySummary[];
  }

  /**
   * How many keys start with `prefix` (and sort before `before`, when given),
   * counting no further than `cap`: an index range read of at most `cap`
   * entries, so the monitor can say "of 1,200" cheaply, or "of more than
   * 10,000" at a million keys.
   */
  countKeys(query: { prefix?: Uint8Array; before?: Uint8Array }, cap: number): number {
    const prefix = query.prefix ?? new Uint8Array(0);
    let upper = prefixUpperBound(prefix);
    if (query.before !== undefined && (upper === null || compareBytes(query.before, upper) < 0)) {
      upper = query.before;
    }
    const row =
      upper === null
        ? this.db
            .query("SELECT count(*) AS n FROM (SELECT 1 FROM items WHERE key >= ? LIMIT ?)")
            .get(prefix, cap)
        : this.db
            .query(
              "SELECT count(*) AS n FROM (SELECT 1 FROM items WHERE key >= ? AND key < ? LIMIT ?)",
            )
            .get(prefix, upper, cap);
    return (row as { n: number }).n;
  }

  // ---- writes (each joins the current batch) ----

  /** Stores unconditionally; returns the new cas. */
  set(key: Uint8Array, value: Uint8Array, flags: number): number {
    this.beginWrite();
    const cas = this.nextCas();
    const modifiedMs = Date.now();
    this.statements.upsert.run(key, value, flags, cas, modifiedMs);
    this.recordSet(key, value.length, flags, cas, modifiedMs);
    return cas;
  }

  /** Stores only if the key is absent; returns the new cas, or 0 when not stored. */
  add(key: Uint8Array, value: Uint8Array, flags: number): number {
    this.beginWrite();
    const cas = this.nextCas();
    const modifiedMs = Date.now();
    if (this.statements.insertIfAbsent.run(key, value, flags, cas, modifiedMs).changes === 0) {
      return 0;
    }
    this.recordSet(key, value.length, flags, cas, modifiedMs);
    return cas;
  }

  /** Stores only if the key is present; returns the new cas, or 0 when not stored. */
  replace(key: Uint8Array, value: Uint8Array, flags: number): number {
    this.beginWrite();
    return this.updateExisting(key, value, flags);
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
    const current = this.get(key);
    if (current === null || current.value.length + data.length > maxLength) return false;
    const joined =
      position === "append" ? concatBytes(current.value, data) : concatBytes(data, current.value);
    return this.updateExisting(key, joined, current.flags) !== 0;
  }

  delete(key: Uint8Array): boolean {
    this.beginWrite();
    if (this.statements.delete.run(key).changes === 0) return false;
    this.recordChange({ type: "delete", key: Uint8Array.from(key) });
    return true;
  }

  flush(): void {
    this.beginWrite();
    this.statements.deleteAll.run();
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
    if (failure === undefined) {
      try {
        this.statements.saveLastCas.run(this.lastCas);
        this.statements.commit.run();
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
      }
    }
    if (this.db.inTransaction) this.statements.rollback.run();
    if (failure === undefined) this.commitCount++;
    else this.commitFailureCount++;
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
    return this.readCounters().item_count;
  }

  get itemBytes(): number {
    return this.readCounters().item_bytes;
  }

  /** Size of the database in bytes (its pages; the write-ahead log is not counted). */
  get fileSize(): number {
    const { page_count } = this.db.query("PRAGMA page_count").get() as { page_count: number };
    const { page_size } = this.db.query("PRAGMA page_size").get() as { page_size: number };
    return page_count * page_size;
  }

  close(): void {
    this.commit();
    // close(true) finalizes the prepared statements and releases the file at
    // once; close(false) would keep the connection, and its exclusive lock,
    // alive until every statement was garbage collected.
    this.db.close(true);
  }

  // ---- internals ----

  private readonly commitScheduled = (): void => this.commit();

  private beginWrite(): void {
    if (this.batch !== undefined) {
      if (this.db.inTransaction) return;
      // SQLite rolled the batch back after an error; later writes of this
      // turn get a transaction of their own, the batch stays failed.
      this.statements.begin.run();
      return;
    }
    this.statements.begin.run();
    this.batch = { waiters: [], changes: [], failure: undefined };
    setImmediate(this.commitScheduled);
  }

  private nextCas(): number {
    return ++this.lastCas;
  }

  private updateExisting(key: Uint8Array, value: Uint8Array, flags: number): number {
    const cas = this.nextCas();
    const modifiedMs = Date.now();
    if (this.statements.update.run(value, flags, cas, modifiedMs, key).changes === 0) return 0;
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

  private readCounters(): CounterRow {
    return this.statements.counters.get() as CounterRow;
  }
}

function openDatabase(path: string, options: StoreOptions): Database {
  let db: Database;
  try {
    db = new Database(path, { create: true, readwrite: true, strict: true });
  } catch (error) {
    throw new DatabaseOpenError(`cannot open ${path}: ${describeOpenFailure(path, error)}`);
  }
  try {
    // Read the header before anything can write: a file that is not an
    // SQLite database fails here and is left untouched.
    db.run("PRAGMA schema_version");
    refuseForeignDatabase(db, path);
    // One server owns the file: exclusive locking skips the shared-memory
    // index and per-transaction file locks, and keeps a second server out.
    db.run("PRAGMA locking_mode = EXCLUSIVE");
    db.run("PRAGMA busy_timeout = 0");
    const mode = db.query("PRAGMA journal_mode = WAL").get() as { journal_mode: string };
    if (mode.journal_mode !== "wal") throw new Error(`journal mode is ${mode.journal_mode}`);
    db.run(`PRAGMA synchronous = ${options.sync === "full" ? "FULL" : "NORMAL"}`);
    db.run("PRAGMA cache_size = -32768");
    // Checkpoint every ~40 MiB of WAL instead of SQLite's 4 MiB: pages rewritten
    // often (index interiors, the counters row) are copied back once, not
    // again and again; measured +20-30% throughput on a 50% set load.
    db.run("PRAGMA wal_autocheckpoint = 10000");
    db.run("PRAGMA temp_store = MEMORY");
    // Take the write lock now, so a database busy in another process is a
    // startup error rather than a failure on the first write.
    db.run("BEGIN IMMEDIATE");
    db.run("COMMIT");
    migrate(db);
  } catch (error) {
    // Finalizes any statement a migration left, so that the lock goes too.
    db.close(true);
    if (error instanceof DatabaseOpenError) throw error;
    if (isBusy(error)) {
      throw new DatabaseOpenError(
        `${path} is in use by another process, such as another litecached (${describe(error)})`,
      );
    }
    throw new DatabaseOpenError(`cannot use ${path}: ${describeOpenFailure(path, error)}`);
  }
  return db;
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
    getDetails: prepare(
      "SELECT key, value, flags, cas, modified_ms AS modifiedMs FROM items WHERE key = ?",
    ),
    listFrom: prepare(
      `SELECT key, length(value) AS size, flags, cas, modified_ms AS modifiedMs FROM items
       WHERE key >= ?1 ORDER BY key LIMIT ?2`,
    ),
    listAfter: prepare(
      `SELECT key, length(value) AS size, flags, cas, modified_ms AS modifiedMs FROM items
       WHERE key > ?1 ORDER BY key LIMIT ?2`,
    ),
    listFromBelow: prepare(
      `SELECT key, length(value) AS size, flags, cas, modified_ms AS modifiedMs FROM items
       WHERE key >= ?1 AND key < ?2 ORDER BY key LIMIT ?3`,
    ),
    listAfterBelow: prepare(
      `SELECT key, length(value) AS size, flags, cas, modified_ms AS modifiedMs FROM items
       WHERE key > ?1 AND key < ?2 ORDER BY key LIMIT ?3`,
    ),
    listBefore: prepare(
      `SELECT key, length(value) AS size, flags, cas, modified_ms AS modifiedMs FROM items
       WHERE key >= ?1 AND key < ?2 ORDER BY key DESC LIMIT ?3`,
    ),
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
    delete: prepare("DELETE FROM items WHERE key = ?"),
    deleteAll: prepare("DELETE FROM items"),
    counters: prepare("SELECT item_count, item_bytes, last_cas FROM counters WHERE id = 1"),
    saveLastCas: prepare("UPDATE counters SET last_cas = ? WHERE id = 1"),
    begin: prepare("BEGIN IMMEDIATE"),
    commit: prepare("COMMIT"),
    rollback: prepare("ROLLBACK"),
  };
}

/**
 * The smallest byte string greater than every string starting with `prefix`:
 * drop trailing 0xff bytes, then add one to the last byte. null if there is
 * none (an empty prefix, or one of only 0xff bytes).
 */
function prefixUpperBound(prefix: Uint8Array): Uint8Array | null {
  let end = prefix.length;
  while (end > 0 && prefix[end - 1] === 0xff) end--;
  if (end === 0) return null;
  const bound = prefix.slice(0, end);
  bound[end - 1] = (bound[end - 1] as number) + 1;
  return bound;
}

/** Byte-wise order, as SQLite compares BLOBs. */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const difference = (a[index] as number) - (b[index] as number);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

function concatBytes(first: Uint8Array, second: Uint8Array): Uint8Array {
  const joined = new Uint8Array(first.length + second.length);
  joined.set(first, 0);
  joined.set(second, first.length);
  return joined;
}

/** SQLITE_BUSY: another connection holds the file's lock. */
function isBusy(error: unknown): boolean {
  return (
    typeof error === "object" && error !== null && "code" in error && error.code === "SQLITE_BUSY"
  );
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
    (isDiskFull(folder) ? "the disk is full" : undefined);
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
