/**
 * The item count, byte total and cas high-water mark kept in memory: saved
 * at a clean stop, recounted after an unclean one (while writes go on), and
 * cas values reserved in blocks that a restart never hands out again.
 */

import { Database } from "bun:sqlite";
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Store } from "../../src/store/store.ts";
import { latin1Bytes as bytes } from "../support/bytes.ts";
import { durable, TemporaryStores } from "../support/temporary-stores.ts";

const STORE_MODULE = join(import.meta.dir, "../../src/store/store.ts");
const REBUILD_WAIT_MS = 30_000;

const stores = new TemporaryStores("litecached-counters-");

interface SavedRow {
  item_count: number;
  item_bytes: number;
  last_cas: number;
  clean_shutdown: number;
}

function savedRow(path: string): SavedRow {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .query("SELECT item_count, item_bytes, last_cas, clean_shutdown FROM counters")
      .get() as SavedRow;
  } finally {
    db.close();
  }
}

/** What a full scan finds, through the Store's own key pages. */
function scanned(store: Store): { count: number; bytes: number } {
  const rows = store.listKeys({ limit: 1_000_000 });
  return {
    count: rows.length,
    bytes: rows.reduce((sum, row) => sum + row.key.length + row.size, 0),
  };
}

/** Makes the saved figures wrong and unmarks the clean stop, as a kill mid-run leaves them. */
function spoilSavedCounters(path: string): void {
  const db = new Database(path);
  try {
    db.run("UPDATE counters SET item_count = 999999, item_bytes = 5, clean_shutdown = 0");
  } finally {
    db.close();
  }
}

async function waitForBytes(store: Store, expected: number): Promise<void> {
  const deadline = Date.now() + REBUILD_WAIT_MS;
  while (store.itemBytes !== expected && Date.now() < deadline) await Bun.sleep(5);
  expect(store.itemBytes).toBe(expected);
}

afterEach(() => {
  stores.closeAll();
});

afterAll(() => {
  stores.remove();
});

describe("Store: counters in memory", () => {
  test("Should save the figures and mark a clean stop on close, and trust them on the next open", async () => {
    const path = stores.freshPath();
    const store = stores.open(path);
    store.set(bytes("ab"), bytes("12345"), 0);
    store.set(bytes("c"), bytes("xyz"), 0);
    await durable(store);
    expect(savedRow(path).clean_shutdown).toBe(0);
    stores.close(store);
    expect(savedRow(path)).toMatchObject({ item_count: 2, item_bytes: 11, clean_shutdown: 1 });
    const reopened = stores.open(path);
    expect({ count: reopened.itemCount, bytes: reopened.itemBytes }).toEqual({
      count: 2,
      bytes: 11,
    });
  });

  test(
    "Should recount the items at once and the bytes soon after an unclean stop",
    async () => {
      const path = stores.freshPath();
      let store = stores.open(path);
      for (let index = 0; index < 3500; index++) {
        store.set(bytes(`key-${String(index).padStart(5, "0")}`), bytes("v".repeat(index % 50)), 0);
      }
      await durable(store);
      const truth = scanned(store);
      stores.close(store);
      spoilSavedCounters(path);

      store = stores.open(path);
      expect(store.itemCount).toBe(truth.count);
      await waitForBytes(store, truth.bytes);
    },
    REBUILD_WAIT_MS * 2,
  );

  test(
    "Should count writes made during the rebuild, before and after its cursor",
    async () => {
      const path = stores.freshPath();
      let store = stores.open(path);
      const key = (index: number) => bytes(`key-${String(index).padStart(5, "0")}`);
      for (let index = 0; index < 5000; index++) store.set(key(index), bytes("0123456789"), 0);
      await durable(store);
      stores.close(store);
      spoilSavedCounters(path);

      store = stores.open(path);
      // Writes spread over the key range while the scan runs in slices: some
      // land behind its cursor, some ahead of it.
      for (let round = 0; round < 20; round++) {
        const index = (round * 397) % 5000;
        store.set(key(index), bytes("a much longer value than before"), 0);
        store.delete(key((index + 1) % 5000));
        store.set(bytes(`new-${round}`), bytes("x"), 0);
        await durable(store);
        await Bun.sleep(1);
      }
      const truth = scanned(store);
      expect(store.itemCount).toBe(truth.count);
      await waitForBytes(store, truth.bytes);
      // And stays exact once rebuilt.
      store.delete(key(4999));
      await durable(store);
      expect(store.itemBytes).toBe(scanned(store).bytes);
    },
    REBUILD_WAIT_MS * 2,
  );

  test("Should keep the figures of a failed batch out of the totals", async () => {
    const path = stores.freshPath();
    let store = stores.open(path);
    store.set(bytes("kept"), bytes("1"), 0);
    await durable(store);
    stores.close(store);
    const db = new Database(path);
    db.run(`CREATE TRIGGER fail_on_boom BEFORE INSERT ON items WHEN NEW.key = X'626f6f6d'
            BEGIN SELECT RAISE(ROLLBACK, 'simulated disk failure'); END`);
    db.close();
    store = stores.open(path);
    store.set(bytes("lost"), bytes("22"), 0);
    try {
      store.set(bytes("boom"), bytes("x"), 0);
    } catch (error) {
      store.noteWriteFailure(error as Error);
    }
    expect(await durable(store)).toBeInstanceOf(Error);
    expect({ count: store.itemCount, bytes: store.itemBytes }).toEqual(scanned(store));
    expect(store.itemCount).toBe(1);
  });
});

describe("Store: cas values in blocks", () => {
  test("Should save a cas reservation ahead of the values it hands out", async () => {
    const path = stores.freshPath();
    const store = stores.open(path);
    const cas = store.set(bytes("k"), bytes("v"), 0);
    await durable(store);
    expect(savedRow(path).last_cas).toBeGreaterThanOrEqual(cas);
  });

  test("Should never give a cas twice after a kill -9, which skips the rest of the block", async () => {
    const path = stores.freshPath();
    const script = `
      const { Store } = await import(${JSON.stringify(STORE_MODULE)});
      const store = new Store(${JSON.stringify(path)}, { sync: "normal" });
      const encode = (text) => new TextEncoder().encode(text);
      let cas = 0;
      for (let index = 0; index < 50; index++) cas = store.set(encode("k" + index), encode("v"), 0);
      store.whenDurable(() => { console.log(cas); setInterval(() => {}, 1000); });
    `;
    const child = Bun.spawn([process.execPath, "-e", script], {
      stdout: "pipe",
      stderr: "inherit",
    });
    try {
      const reader = child.stdout.getReader();
      let output = "";
      while (!output.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) break;
        output += new TextDecoder().decode(value);
      }
      const lastCas = Number(output.trim());
      expect(lastCas).toBeGreaterThanOrEqual(50);
      child.kill("SIGKILL");
      await child.exited;

      const store = stores.open(path);
      expect(store.itemCount).toBe(50);
      expect(store.set(bytes("after"), bytes("kill"), 0)).toBeGreaterThan(lastCas);
    } finally {
      child.kill("SIGKILL");
      await child.exited;
    }
  });
});
