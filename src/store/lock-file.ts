/**
 * The lock that keeps a second litecached out of a database: an exclusive
 * lock on `<database>.lock`, held for as long as the Store is open.
 *
 * The database itself uses SQLite's normal locking, so that a checkpoint
 * worker, the `sqlite3` shell and `.backup` can open it while the server
 * runs; only the lock file says "one server". The lock is a POSIX record
 * lock taken through an SQLite connection in exclusive locking mode: the
 * kernel drops it when the process dies, even by kill -9, so a stale file
 * never blocks a restart, and it needs no native code. The file stays after
 * a stop: the lock, not the file's existence, is what counts (removing it
 * on exit would race with a server starting meanwhile).
 */
import { Database } from "bun:sqlite";

export const LOCK_FILE_SUFFIX = ".lock";

export class LockFile {
  readonly path: string;
  private readonly db: Database;

  /** Takes the lock or throws (SQLITE_BUSY while another process or Store holds it). */
  constructor(databasePath: string) {
    this.path = `${databasePath}${LOCK_FILE_SUFFIX}`;
    this.db = new Database(this.path, { create: true, readwrite: true });
    try {
      // Exclusive locking mode keeps the lock after COMMIT. Taking it writes
      // the empty database header once; an in-memory journal leaves no
      // `-journal` file beside it (SQLite here refuses journal_mode OFF).
      this.db.run("PRAGMA locking_mode = EXCLUSIVE");
      this.db.run("PRAGMA journal_mode = MEMORY");
      this.db.run("PRAGMA busy_timeout = 0");
      this.db.run("BEGIN EXCLUSIVE");
      this.db.run("COMMIT");
    } catch (error) {
      this.db.close(true);
      throw error;
    }
  }

  release(): void {
    this.db.close(true);
  }
}
