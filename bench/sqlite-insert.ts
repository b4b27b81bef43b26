/**
 * The limit for durable writes: the same rows the pipelined load stores
 * (same keys, 1 KiB values, same schema, via the Store's migrate), inserted
 * by bun:sqlite with a plain INSERT in one transaction in one process, on a
 * fresh file set up like the Store's (WAL, synchronous=NORMAL, exclusive
 * locking, the same cache size).
 *
 *   bun bench/sqlite-insert.ts --path FILE --rows N [--value-bytes 1024] [--prefix key:]
 *
 * Prints one JSON line: { "rows": …, "seconds": …, "rowsPerSecond": … }.
 */
import { Database } from "bun:sqlite";
import { parseArgs } from "node:util";
import { migrate } from "../src/store/schema.ts";
import { benchKey, benchValue } from "./keys.ts";

const { values: options } = parseArgs({
  options: {
    path: { type: "string" },
    rows: { type: "string" },
    "value-bytes": { type: "string", default: "1024" },
    prefix: { type: "string", default: "key:" },
  },
});
const rows = Number(options.rows);
if (options.path === undefined || !(rows > 0)) {
  console.error("usage: sqlite-insert.ts --path FILE --rows N [--value-bytes 1024]");
  process.exit(2);
}

const db = new Database(options.path, { create: true, strict: true });
db.run("PRAGMA locking_mode = EXCLUSIVE");
db.run("PRAGMA journal_mode = WAL");
db.run("PRAGMA synchronous = NORMAL");
db.run("PRAGMA cache_size = -32768");
migrate(db);

const encoder = new TextEncoder();
const value = benchValue(Number(options["value-bytes"]));
const keys = Array.from({ length: rows }, (_, index) =>
  encoder.encode(benchKey(options.prefix, index)),
);
const insert = db.prepare(
  "INSERT INTO items (key, value, flags, cas, modified_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
);

const started = performance.now();
db.run("BEGIN IMMEDIATE");
const now = Date.now();
for (let index = 0; index < rows; index++)
  insert.run(keys[index] as Uint8Array, value, 0, index + 1, now);
db.run("COMMIT");
const seconds = (performance.now() - started) / 1000;
db.close();
console.log(JSON.stringify({ rows, seconds, rowsPerSecond: rows / seconds }));
