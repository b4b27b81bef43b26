/**
 * The database schema and its migrations, versioned by PRAGMA user_version.
 * Each migration runs once, in its own transaction, in order.
 */
import type { Database } from "bun:sqlite";

/**
 * items: one row per key. An ordinary rowid table with a unique key index
 * (not WITHOUT ROWID), because values are often a kilobyte or more and
 * WITHOUT ROWID tables slow down badly for wide rows.
 *
 * counters: one row with the item count and byte total, so that startup
 * needs no full scan, and the cas high-water mark that keeps cas values
 * unique across restarts. Version 1 kept the count and bytes with triggers;
 * version 2 drops them (they cost about a tenth of a set's time): the Store
 * keeps the figures in memory, saves them now and then, and marks a clean
 * stop in `clean_shutdown`, without which the next start recounts.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE items (
    key BLOB PRIMARY KEY NOT NULL,
    value BLOB NOT NULL,
    flags INTEGER NOT NULL,
    cas INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL
  );
  CREATE TABLE counters (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    item_count INTEGER NOT NULL,
    item_bytes INTEGER NOT NULL,
    last_cas INTEGER NOT NULL
  );
  INSERT INTO counters (id, item_count, item_bytes, last_cas) VALUES (1, 0, 0, 0);
  CREATE TRIGGER items_count_insert AFTER INSERT ON items BEGIN
    UPDATE counters SET item_count = item_count + 1,
      item_bytes = item_bytes + length(NEW.key) + length(NEW.value) WHERE id = 1;
  END;
  CREATE TRIGGER items_count_delete AFTER DELETE ON items BEGIN
    UPDATE counters SET item_count = item_count - 1,
      item_bytes = item_bytes - length(OLD.key) - length(OLD.value) WHERE id = 1;
  END;
  CREATE TRIGGER items_count_update AFTER UPDATE OF value ON items BEGIN
    UPDATE counters SET item_bytes = item_bytes - length(OLD.value) + length(NEW.value) WHERE id = 1;
  END;
  `,
  `
  DROP TRIGGER items_count_insert;
  DROP TRIGGER items_count_delete;
  DROP TRIGGER items_count_update;
  -- The triggers kept version 1's figures exact: they count as a clean stop.
  ALTER TABLE counters ADD COLUMN clean_shutdown INTEGER NOT NULL DEFAULT 1;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export class SchemaTooNewError extends Error {
  override name = "SchemaTooNewError";
}

/**
 * Brings the database up to SCHEMA_VERSION (or `target`, which tests use to
 * build an older file); refuses files from a newer litecached.
 */
export function migrate(db: Database, target = SCHEMA_VERSION): void {
  const { user_version: current } = db.query("PRAGMA user_version").get() as {
    user_version: number;
  };
  if (current > SCHEMA_VERSION) {
    throw new SchemaTooNewError(
      `schema version ${current} is newer than this litecached understands (${SCHEMA_VERSION})`,
    );
  }
  for (let version = current; version < target; version++) {
    db.transaction(() => {
      db.run(MIGRATIONS[version] as string);
      db.run(`PRAGMA user_version = ${version + 1}`);
    }).immediate();
  }
}
