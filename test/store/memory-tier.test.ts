/**
 * The memory tier alone (budget, CLOCK eviction) and in the Store (written
 * through on commit, never ahead of SQLite, dropped for a failed commit).
 */

import { Database } from "bun:sqlite";
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { ENTRY_OVERHEAD_BYTES, keyName, MemoryTier } from "../../src/store/memory-tier.ts";
import type { Store } from "../../src/store/store.ts";
import { latin1Bytes as bytes, latin1Text as text } from "../support/bytes.ts";
import { durable, TemporaryStores } from "../support/temporary-stores.ts";

const stores = new TemporaryStores("litecached-tier-");

function openStore(memoryBytes?: number, path = stores.freshPath()): Store {
  return stores.open(path, { memoryBytes });
}

function storedValue(store: Store, key: string): string | null {
  const item = store.get(bytes(key));
  return item === null ? null : text(item.value);
}

afterEach(() => {
  stores.closeAll();
});

afterAll(() => {
  stores.remove();
});

describe("MemoryTier", () => {
  const value = (length: number) => new Uint8Array(length).fill(0x61);
  /** The budget that holds exactly `count` entries of 10-character names and 100-byte values. */
  const budgetFor = (count: number) => count * (10 + 100 + ENTRY_OVERHEAD_BYTES);
  const name = (index: number) => `key-${String(index).padStart(6, "0")}`;

  test("Should never hold more bytes than its budget, evicting to make room", () => {
    const tier = new MemoryTier(budgetFor(100));
    for (let index = 0; index < 1000; index++) {
      tier.remember(name(index), value(100), 0, index);
      expect(tier.bytes).toBeLessThanOrEqual(tier.limitBytes);
    }
    expect(tier.size).toBe(100);
    expect(tier.evictions).toBe(900);
    // The newest entries stay (nothing was referenced: first in, first out).
    expect(tier.peek(name(999))?.cas).toBe(999);
    expect(tier.peek(name(0))).toBeUndefined();
  });

  test("Should give an entry read since it came in a second chance over one never read", () => {
    const tier = new MemoryTier(budgetFor(8));
    for (let index = 1; index <= 8; index++) tier.remember(name(index), value(100), 0, index);
    expect(tier.lookup(name(1))?.cas).toBe(1);
    tier.remember(name(9), value(100), 0, 9);
    expect(tier.peek(name(1))).toBeDefined();
    expect(tier.peek(name(2))).toBeUndefined();
    expect([tier.hits, tier.misses, tier.evictions]).toEqual([1, 0, 1]);
  });

  test("Should count hits and misses, and refuse items over an eighth of its budget", () => {
    const tier = new MemoryTier(budgetFor(8));
    tier.remember("small", value(100), 0, 1);
    tier.remember("large", value(300), 0, 2);
    expect(tier.lookup("small")).toBeDefined();
    expect(tier.lookup("large")).toBeUndefined();
    expect(tier.lookup("absent")).toBeUndefined();
    expect([tier.hits, tier.misses]).toEqual([1, 2]);
    expect(tier.accepts("large", 300)).toBe(false);
  });

  test("Should give back the budget of forgotten, replaced and cleared entries", () => {
    const tier = new MemoryTier(budgetFor(10));
    tier.remember(name(1), value(100), 0, 1);
    tier.remember(name(1), value(50), 0, 2);
    expect(tier.bytes).toBe(10 + 50 + ENTRY_OVERHEAD_BYTES);
    tier.forget(name(1));
    expect([tier.bytes, tier.size]).toEqual([0, 0]);
    tier.remember(name(2), value(100), 0, 3);
    tier.clear();
    expect([tier.bytes, tier.size]).toEqual([0, 0]);
  });

  test("Should hand back exactly what it was given after thousands of random operations", () => {
    // A small arena and values of every size (empty ones too) wrap the log
    // many times; every held value must still be the last one remembered.
    let seed = 12345;
    const random = (below: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % below;
    };
    const tier = new MemoryTier(32 * 1024);
    const truth = new Map<string, Uint8Array>();
    for (let step = 0; step < 20_000; step++) {
      const key = `k${random(200)}`;
      const action = random(10);
      if (action < 5) {
        const value = new Uint8Array(random(4) === 0 ? 0 : random(1500)).map(() => random(256));
        tier.remember(key, value, step, step);
        truth.set(key, value);
      } else if (action < 6) {
        tier.forget(key);
        truth.delete(key);
      } else {
        const item = tier.lookup(key);
        if (item !== undefined) expect(item.value).toEqual(truth.get(key) as Uint8Array);
      }
      expect(tier.bytes).toBeLessThanOrEqual(tier.limitBytes);
    }
    let charged = 0;
    for (const [key, value] of truth) {
      const item = tier.peek(key);
      if (item === undefined) continue;
      expect(item.value).toEqual(value);
      charged += key.length + value.length + ENTRY_OVERHEAD_BYTES;
    }
    expect(tier.bytes).toBe(charged);
    expect(tier.evictions).toBeGreaterThan(10);
    expect(tier.hits).toBeGreaterThan(100);
  });

  test("Should rewrite a value of the same length in place, evicting nothing", () => {
    const tier = new MemoryTier(budgetFor(16));
    for (let index = 0; index < 16; index++) tier.remember(name(index), value(100), 0, index);
    for (let round = 1; round <= 50; round++) {
      for (let index = 0; index < 16; index++) {
        tier.forget(name(index));
        tier.remember(name(index), new Uint8Array(100).fill(round), 0, round);
      }
    }
    expect([tier.size, tier.evictions]).toEqual([16, 0]);
    expect(tier.peek(name(3))?.value).toEqual(new Uint8Array(100).fill(50));
    // A different length takes a new place; the dead old one keeps its share
    // of the budget until the tail passes it, so the oldest entry made room.
    tier.remember(name(3), value(99), 0, 99);
    expect(tier.peek(name(3))?.value.length).toBe(99);
    expect([tier.size, tier.evictions]).toEqual([15, 1]);
  });

  test("Should name every distinct key differently, whatever its bytes", () => {
    const names = new Set<string>();
    for (let byte = 0; byte < 256; byte++) names.add(keyName(new Uint8Array([byte])));
    names.add(keyName(new Uint8Array([0x80, 0x81])));
    names.add(keyName(new Uint8Array([0x81, 0x80])));
    expect(names.size).toBe(258);
  });
});

describe("Store: the memory tier", () => {
  test("Should answer a get after a committed write from memory, with the written bytes", async () => {
    const store = openStore();
    const source = bytes("original");
    store.set(bytes("k"), source, 7);
    await durable(store);
    source.fill(0x78);
    const before = store.memoryTierStats();
    const item = store.get(bytes("k"));
    expect(item === null ? null : [text(item.value), item.flags]).toEqual(["original", 7]);
    const after = store.memoryTierStats();
    expect(after.hits - before.hits).toBe(1);
    expect(after.misses - before.misses).toBe(0);
  });

  test("Should keep a read in the write's own turn on SQLite's uncommitted truth, not a stale copy", async () => {
    const store = openStore();
    store.set(bytes("k"), bytes("old"), 0);
    await durable(store);
    expect(storedValue(store, "k")).toBe("old");
    store.set(bytes("k"), bytes("new"), 0);
    expect(storedValue(store, "k")).toBe("new");
    store.delete(bytes("k"));
    expect(storedValue(store, "k")).toBeNull();
    await durable(store);
    expect(storedValue(store, "k")).toBeNull();
  });

  test("Should drop the keys of a failed commit and answer from SQLite afterwards", async () => {
    let store = openStore();
    store.set(bytes("k"), bytes("committed"), 0);
    await durable(store);
    const path = store.path;
    stores.close(store);
    const db = new Database(path);
    db.run(`CREATE TRIGGER fail_on_boom BEFORE INSERT ON items WHEN NEW.key = X'626f6f6d'
            BEGIN SELECT RAISE(ROLLBACK, 'simulated disk failure'); END`);
    db.close();
    store = openStore(undefined, path);
    expect(storedValue(store, "k")).toBe("committed");

    store.set(bytes("k"), bytes("never committed"), 0);
    store.set(bytes("fresh"), bytes("never committed"), 0);
    try {
      store.set(bytes("boom"), bytes("x"), 0);
    } catch (error) {
      store.noteWriteFailure(error as Error);
    }
    expect(await durable(store)).toBeInstanceOf(Error);
    expect(storedValue(store, "k")).toBe("committed");
    expect(storedValue(store, "fresh")).toBeNull();
    expect(store.memoryTierStats().items).toBe(1);
  });

  test("Should stay within its budget under many writes while SQLite keeps every item", async () => {
    const budget = 64 * 1024;
    const store = openStore(budget);
    const value = "v".repeat(1000);
    for (let index = 0; index < 500; index++) store.set(bytes(`key-${index}`), bytes(value), 0);
    await durable(store);
    for (let index = 0; index < 500; index++) storedValue(store, `key-${index}`);
    const stats = store.memoryTierStats();
    expect(stats.limitBytes).toBe(budget);
    expect(stats.bytes).toBeLessThanOrEqual(budget);
    expect(stats.items).toBeGreaterThan(0);
    expect(stats.evictions).toBeGreaterThan(0);
    for (let index = 0; index < 500; index++)
      expect(storedValue(store, `key-${index}`)).toBe(value);
  });

  test("Should hold the results of append and replace, and forget flushed items", async () => {
    const store = openStore();
    store.set(bytes("a"), bytes("x"), 3);
    store.set(bytes("n"), bytes("41"), 0);
    await durable(store);
    store.concat(bytes("a"), bytes("yz"), "append");
    store.replace(bytes("n"), bytes("42"), 0);
    await durable(store);
    expect(store.replace(bytes("a"), bytes("swapped"), 4)).not.toBe(0);
    await durable(store);
    const hitsBefore = store.memoryTierStats().hits;
    expect([
      storedValue(store, "a"),
      store.get(bytes("a"))?.flags,
      storedValue(store, "n"),
    ]).toEqual(["swapped", 4, "42"]);
    expect(store.memoryTierStats().hits - hitsBefore).toBe(3);
    store.flush();
    await durable(store);
    expect(store.memoryTierStats()).toMatchObject({ items: 0, bytes: 0 });
    expect(storedValue(store, "a")).toBeNull();
  });

  test("Should hold nothing with a budget of 0, and still serve every item", async () => {
    const store = openStore(0);
    store.set(bytes("k"), bytes("v"), 0);
    await durable(store);
    expect(storedValue(store, "k")).toBe("v");
    expect(store.memoryTierStats()).toMatchObject({ items: 0, bytes: 0, hits: 0, limitBytes: 0 });
  });
});
