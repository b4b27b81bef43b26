/**
 * The monitor's reads: pages of keys in byte order, bounded counts, one
 * item with its metadata, the database's size. Over the Store's own
 * connection when the monitor runs in process (the Store wraps each in its
 * turn's read transaction), or over a read-only connection of its own in
 * the monitor's worker thread (`KeyReader.openReadOnly`).
 *
 * A read-only reader never writes, migrates or checkpoints, and does not
 * take the Store's lock file: it shares the database the way any second
 * SQLite connection in WAL mode may. Each statement runs in its own
 * implicit read transaction, so every read sees the latest commit and no
 * snapshot is held between requests (a held one would keep checkpoints
 * from copying the log back).
 */
import { Database, type Statement } from "bun:sqlite";
import { compareBytes } from "./item-counters.ts";

export interface ItemDetails {
  key: Uint8Array;
  value: Uint8Array;
  flags: number;
  cas: number;
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

/**
 * The reader's own page cache: 2 MiB holds the key index's inner pages that
 * a page of keys walks; the Store's connection keeps the hot data.
 */
const READ_ONLY_CACHE_KIB = 2048;
/** How long a read waits for a lock while the Store restarts its log (a few ms at most). */
const READ_ONLY_BUSY_TIMEOUT_MS = 1000;

const SUMMARY_COLUMNS = "key, length(value) AS size, flags, cas, modified_ms AS modifiedMs";

export class KeyReader {
  private readonly statements: ReturnType<typeof prepareStatements>;

  constructor(private readonly db: Database) {
    this.statements = prepareStatements(db);
  }

  /** A reader with its own read-only connection to the Store's database (already created and migrated). */
  static openReadOnly(path: string): KeyReader {
    const db = new Database(path, { readonly: true, strict: true });
    try {
      db.run(`PRAGMA busy_timeout = ${READ_ONLY_BUSY_TIMEOUT_MS}`);
      db.run(`PRAGMA cache_size = -${READ_ONLY_CACHE_KIB}`);
      return new KeyReader(db);
    } catch (error) {
      db.close(true);
      throw error;
    }
  }

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
        ? this.statements.countFrom.get(prefix, cap)
        : this.statements.countBelow.get(prefix, upper, cap);
    return (row as { n: number }).n;
  }

  /** Size of the database in bytes (its pages; the write-ahead log is not counted). */
  get fileSize(): number {
    const { page_count } = this.statements.pageCount.get() as { page_count: number };
    const { page_size } = this.statements.pageSize.get() as { page_size: number };
    return page_count * page_size;
  }

  /** Closes the connection (read-only readers only; the Store closes its own). */
  close(): void {
    this.db.close(true);
  }
}

function prepareStatements(db: Database) {
  const prepare = (sql: string): Statement => db.prepare(sql);
  return {
    getDetails: prepare(
      "SELECT key, value, flags, cas, modified_ms AS modifiedMs FROM items WHERE key = ?",
    ),
    listFrom: prepare(`SELECT ${SUMMARY_COLUMNS} FROM items WHERE key >= ?1 ORDER BY key LIMIT ?2`),
    listAfter: prepare(`SELECT ${SUMMARY_COLUMNS} FROM items WHERE key > ?1 ORDER BY key LIMIT ?2`),
    listFromBelow: prepare(
      `SELECT ${SUMMARY_COLUMNS} FROM items WHERE key >= ?1 AND key < ?2 ORDER BY key LIMIT ?3`,
    ),
    listAfterBelow: prepare(
      `SELECT ${SUMMARY_COLUMNS} FROM items WHERE key > ?1 AND key < ?2 ORDER BY key LIMIT ?3`,
    ),
    listBefore: prepare(
      `SELECT ${SUMMARY_COLUMNS} FROM items WHERE key >= ?1 AND key < ?2 ORDER BY key DESC LIMIT ?3`,
    ),
    countFrom: prepare("SELECT count(*) AS n FROM (SELECT 1 FROM items WHERE key >= ? LIMIT ?)"),
    countBelow: prepare(
      "SELECT count(*) AS n FROM (SELECT 1 FROM items WHERE key >= ? AND key < ? LIMIT ?)",
    ),
    pageCount: prepare("PRAGMA page_count"),
    pageSize: prepare("PRAGMA page_size"),
  };
}

/**
 * The smallest byte string greater than every string starting with `prefix`:
 * drop trailing 0xff bytes, then add one to the last byte. null if there is
 * none (an empty prefix, or one of only 0xff bytes).
 */
export function prefixUpperBound(prefix: Uint8Array): Uint8Array | null {
  let end = prefix.length;
  while (end > 0 && prefix[end - 1] === 0xff) end--;
  if (end === 0) return null;
  const bound = prefix.slice(0, end);
  bound[end - 1] = (bound[end - 1] as number) + 1;
  return bound;
}
