/**
 * The schema and its migrations: what a fresh database gets, that migrating
 * again changes nothing, that a newer schema is refused, and that version 2
 * drops version 1's counter triggers and keeps its figures.
 */

import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { migrate, SCHEMA_VERSION, SchemaTooNewError } from "../../src/store/schema.ts";

interface Counters {
  item_count: number;
  item_bytes: number;
  last_cas: number;
}

function migrated(): Database {
  const db = new Database(":memory:", { strict: true });
  migrate(db);
  return db;
}

const userVersion = (db: Database): number =>
  (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;

const counters = (db: Database): Counters =>
  db.query("SELECT item_count, item_bytes, last_cas FROM counters").get() as Counters;

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function insert(db: Database, key: string, value: string): void {
  db.query("INSERT INTO items (key, value, flags, cas, modified_ms) VALUES (?1, ?2, 0, 1, 0)").run(
    bytes(key),
    bytes(value),
  );
}

describe("migrate", () => {
  test("Should give a fresh database the current schema and zeroed counters", () => {
    const db = migrated();
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(1);
    expect(userVersion(db)).toBe(SCHEMA_VERSION);
    const tables = db
      .query("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
      .all() as { name: string }[];
    expect(tables.map((table) => table.name)).toEqual(["counters", "items"]);
    expect(counters(db)).toEqual({ item_count: 0, item_bytes: 0, last_cas: 0 });
  });

  test("Should change nothing when the database is already current", () => {
    const db = migrated();
    insert(db, "k", "value");
    db.run("UPDATE counters SET item_count = 1, item_bytes = 6, last_cas = 7");
    const schema = db.query("SELECT sql FROM sqlite_schema ORDER BY name").all();
    migrate(db);
    expect(userVersion(db)).toBe(SCHEMA_VERSION);
    expect(db.query("SELECT sql FROM sqlite_schema ORDER BY name").all()).toEqual(schema);
    expect(counters(db)).toEqual({ item_count: 1, item_bytes: 6, last_cas: 7 });
  });

  test("Should refuse a schema newer than it knows, and leave it alone", () => {
    const db = new Database(":memory:");
    db.run("CREATE TABLE future (x)");
    db.run(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    expect(() => migrate(db)).toThrow(SchemaTooNewError);
    expect(userVersion(db)).toBe(SCHEMA_VERSION + 1);
    const tables = db.query("SELECT name FROM sqlite_schema").all() as { name: string }[];
    expect(tables.map((table) => table.name)).toEqual(["future"]);
  });

  test("Should keep a single counters row", () => {
    const db = migrated();
    expect(() =>
      db.run("INSERT INTO counters (id, item_count, item_bytes, last_cas) VALUES (2, 0, 0, 0)"),
    ).toThrow();
    expect(db.query("SELECT count(*) AS rows FROM counters").get()).toEqual({ rows: 1 });
  });

  test("Should refuse a second row with the same key", () => {
    const db = migrated();
    insert(db, "k", "one");
    expect(() => insert(db, "k", "two")).toThrow();
    expect(db.query("SELECT count(*) AS rows FROM items").get()).toEqual({ rows: 1 });
  });
});

describe("version 2: counters without triggers", () => {
  function versionOne(): Database {
    const db = new Database(":memory:", { strict: true });
    migrate(db, 1);
    return db;
  }

  const triggers = (db: Database): string[] =>
    (
      db.query("SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name").all() as {
        name: string;
      }[]
    ).map((row) => row.name);

  test("Should drop version 1's triggers and keep its items and figures, marked clean", () => {
    const db = versionOne();
    insert(db, "ab", "12345");
    insert(db, "c", "");
    db.run("UPDATE counters SET last_cas = 42");
    expect(triggers(db)).toHaveLength(3);
    expect(counters(db)).toEqual({ item_count: 2, item_bytes: 8, last_cas: 42 });
    migrate(db);
    expect(userVersion(db)).toBe(SCHEMA_VERSION);
    expect(triggers(db)).toEqual([]);
    expect(db.query("SELECT count(*) AS rows FROM items").get()).toEqual({ rows: 2 });
    expect(db.query("SELECT * FROM counters").get()).toEqual({
      id: 1,
      item_count: 2,
      item_bytes: 8,
      last_cas: 42,
      clean_shutdown: 1,
    });
  });

  test("Should leave the counters alone when items change: the Store keeps them", () => {
    const db = migrated();
    insert(db, "ab", "12345");
    db.query("DELETE FROM items").run();
    insert(db, "c", "1");
    expect(counters(db)).toEqual({ item_count: 0, item_bytes: 0, last_cas: 0 });
  });
});

describe("indexes", () => {
  /** The plan must seek in the key index, never scan the table. */
  function plan(db: Database, sql: string): string {
    const rows = db.query(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[];
    return rows.map((row) => row.detail).join("; ");
  }

  test("Should look keys up and walk key ranges through the key index", () => {
    const db = migrated();
    for (const sql of [
      "SELECT value FROM items WHERE key = ?1",
      "SELECT key, length(value) FROM items WHERE key > ?1 AND key < ?2 ORDER BY key LIMIT 10",
      "SELECT key, flags FROM items WHERE key >= ?1 AND key < ?2 ORDER BY key DESC LIMIT 10",
    ]) {
      const detail = plan(db, sql);
      expect({ sql, detail }).toEqual({
        sql,
        detail: expect.stringMatching(/^SEARCH items USING (COVERING )?INDEX/),
      });
      expect(detail).not.toContain("SCAN");
    }
  });
});
