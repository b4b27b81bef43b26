/**
 * The lock file that keeps a second litecached out, and the normal SQLite
 * locking it makes possible: other processes read and back up the live
 * database, and a server killed with kill -9 leaves no lock behind.
 */

import { Database } from "bun:sqlite";
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Subprocess } from "bun";
import { LOCK_FILE_SUFFIX } from "../../src/store/lock-file.ts";
import { DatabaseOpenError } from "../../src/store/store.ts";
import { latin1Bytes as bytes, latin1Text as text } from "../support/bytes.ts";
import { durable, TemporaryStores } from "../support/temporary-stores.ts";

const SQLITE3 = "/usr/bin/sqlite3";
const STORE_MODULE = join(import.meta.dir, "../../src/store/store.ts");

const stores = new TemporaryStores("litecached-lock-");
const children: Subprocess[] = [];

function refusal(path: string): DatabaseOpenError {
  try {
    stores.open(path);
  } catch (error) {
    expect(error).toBeInstanceOf(DatabaseOpenError);
    return error as DatabaseOpenError;
  }
  throw new Error(`${path} was opened twice`);
}

/** A Store in another process, which prints "ready" once open and then waits. */
async function storeInChild(path: string): Promise<Subprocess<"ignore", "pipe", "inherit">> {
  const script = `
    const { Store } = await import(${JSON.stringify(STORE_MODULE)});
    const store = new Store(${JSON.stringify(path)}, { sync: "normal" });
    store.set(new TextEncoder().encode("child"), new TextEncoder().encode("wrote"), 0);
    store.whenDurable(() => console.log("ready"));
    setInterval(() => {}, 1000);
  `;
  const child = Bun.spawn([process.execPath, "-e", script], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "inherit",
  });
  children.push(child);
  const reader = child.stdout.getReader();
  let output = "";
  while (!output.includes("ready")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the child stopped before opening ${path}: ${output}`);
    output += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return child;
}

async function sqlite3(...args: string[]): Promise<string> {
  const child = Bun.spawn([SQLITE3, ...args], { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (exitCode !== 0) throw new Error(`sqlite3 ${args.join(" ")} failed: ${stderr}`);
  return stdout.trim();
}

afterEach(async () => {
  stores.closeAll();
  for (const child of children.splice(0)) {
    child.kill("SIGKILL");
    await child.exited;
  }
});

afterAll(() => {
  stores.remove();
});

describe("Store: the lock file", () => {
  test("Should create <database>.lock beside the database and keep it after close", () => {
    const path = stores.freshPath();
    const store = stores.open(path);
    expect(existsSync(`${path}${LOCK_FILE_SUFFIX}-journal`)).toBe(false);
    stores.close(store);
    expect(existsSync(`${path}${LOCK_FILE_SUFFIX}`)).toBe(true);
    // The file left behind does not block the next start: only the lock counts.
    stores.close(stores.open(path));
  });

  test("Should keep a second Store out with one line naming the lock file, and let it in after close", () => {
    const path = stores.freshPath();
    const first = stores.open(path);
    const error = refusal(path);
    expect(error.message).toBe(
      `${path} is in use by another process, such as another litecached (${path}.lock is locked)`,
    );
    stores.close(first);
    stores.close(stores.open(path));
  });

  test("Should keep a Store out of a database that another process's Store holds", async () => {
    const path = stores.freshPath();
    await storeInChild(path);
    expect(refusal(path).message).toContain("is in use by another process");
  });

  test("Should open a database whose server was killed with kill -9, with its writes", async () => {
    const path = stores.freshPath();
    const child = await storeInChild(path);
    child.kill("SIGKILL");
    await child.exited;
    const store = stores.open(path);
    const item = store.get(bytes("child"));
    expect(item === null ? null : text(item.value)).toBe("wrote");
  });
});

describe("Store: other processes on the live database", () => {
  test("Should let the sqlite3 shell query the live database read-only while the Store writes", async () => {
    const path = stores.freshPath();
    const store = stores.open(path);
    for (let round = 1; round <= 3; round++) {
      store.set(bytes(`key-${round}`), bytes(`value-${round}`), 0);
      expect(await durable(store)).toBeUndefined();
      const count = await sqlite3("-readonly", path, "SELECT count(*) FROM items");
      expect(count).toBe(String(round));
    }
  });

  test("Should let the sqlite3 shell take a .backup that holds every committed write", async () => {
    const path = stores.freshPath();
    const backup = join(dirname(path), "backup.sqlite");
    const store = stores.open(path);
    for (let index = 0; index < 500; index++) {
      store.set(bytes(`key-${index}`), bytes(`value-${index}`), 0);
    }
    expect(await durable(store)).toBeUndefined();
    // Writes go on while the backup runs; the backup holds at least the 500.
    const copying = sqlite3(path, `.backup ${backup}`);
    for (let index = 0; index < 100; index++) {
      store.set(bytes(`late-${index}`), bytes(`value-${index}`), 0);
      await durable(store);
    }
    await copying;
    const copy = new Database(backup, { readonly: true });
    try {
      expect(copy.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
      const { count } = copy
        .query("SELECT count(*) AS count FROM items WHERE CAST(key AS TEXT) LIKE 'key-%'")
        .get() as { count: number };
      expect(count).toBe(500);
    } finally {
      copy.close();
    }
    store.set(bytes("after"), bytes("backup"), 0);
    expect(await durable(store)).toBeUndefined();
  });

  test("Should keep the writes of the turn durable while another process reads", async () => {
    const path = stores.freshPath();
    const store = stores.open(path);
    const reader = new Database(path, { readonly: true });
    try {
      reader.run("BEGIN");
      expect(reader.query("SELECT count(*) AS count FROM items").get()).toEqual({ count: 0 });
      store.set(bytes("k"), bytes("v"), 0);
      expect(await durable(store)).toBeUndefined();
      reader.run("COMMIT");
      expect(reader.query("SELECT count(*) AS count FROM items").get()).toEqual({ count: 1 });
    } finally {
      reader.close();
    }
  });
});
