/**
 * Store.getMany: several keys at once, answered in order from the memory
 * tier and then from SQLite in a few statements, the same items a get of
 * each key would give.
 */

import { afterAll, afterEach, describe, expect, test } from "bun:test";
import type { Item, Store } from "../../src/store/store.ts";
import { latin1Bytes as bytes, latin1Text as text } from "../support/bytes.ts";
import { durable, TemporaryStores } from "../support/temporary-stores.ts";

const stores = new TemporaryStores("litecached-get-many-");

function openStore(memoryBytes?: number): Store {
  return stores.open(stores.freshPath(), { memoryBytes });
}

const summary = (item: Item | null) =>
  item === null ? null : { value: text(item.value), flags: item.flags, cas: item.cas };

afterEach(() => {
  stores.closeAll();
});

afterAll(() => {
  stores.remove();
});

describe("Store: getMany", () => {
  test("Should answer in order, with null for missing keys, as single gets would", async () => {
    // No tier: every key goes to SQLite, over several statements.
    const store = openStore(0);
    const keys: string[] = [];
    for (let index = 0; index < 100; index++) keys.push(`key-${index}`);
    keys.push("\x00\xff binary", "");
    for (const [index, key] of keys.entries()) {
      if (index % 3 !== 0) store.set(bytes(key || "never"), bytes(`value of ${key}`), index);
    }
    store.set(bytes("\x00\xff binary"), bytes("\xff\x00"), 9);
    await durable(store);
    const asked = [...keys, "key-5", "absent", "key-5"];
    const many = store.getMany(asked.map((key) => bytes(key)));
    expect(many.map(summary)).toEqual(asked.map((key) => summary(store.get(bytes(key)))));
    expect(many.filter((item) => item !== null).length).toBeGreaterThan(60);
    expect(text((many[100] as Item).value)).toBe("\xff\x00");
  });

  test("Should take held items from the tier and keep what SQLite gave it", async () => {
    const store = openStore();
    for (let index = 0; index < 10; index++) store.set(bytes(`k${index}`), bytes(`v${index}`), 0);
    await durable(store);
    const keys = Array.from({ length: 10 }, (_, index) => bytes(`k${index}`));
    const before = store.memoryTierStats();
    store.getMany([...keys, bytes("absent")]);
    const after = store.memoryTierStats();
    expect(after.hits - before.hits).toBe(10);
    expect(after.misses - before.misses).toBe(1);

    // A restart empties the tier: SQLite answers twice (the doorkeeper lets
    // a key read from SQLite in on its second miss), then the tier does.
    const path = store.path;
    stores.close(store);
    const reopened = stores.open(path);
    for (let read = 0; read < 2; read++) {
      expect(reopened.getMany(keys).map((item) => text((item as Item).value))).toEqual(
        keys.map((_, index) => `v${index}`),
      );
    }
    expect(reopened.memoryTierStats()).toMatchObject({ hits: 0, misses: 20, items: 10 });
    reopened.getMany(keys);
    expect(reopened.memoryTierStats()).toMatchObject({ hits: 10, misses: 20 });
  });

  test("Should see the writes of its own turn, and keep them out of the tier until they commit", async () => {
    const store = openStore();
    store.set(bytes("a"), bytes("old"), 0);
    await durable(store);
    store.set(bytes("a"), bytes("new"), 0);
    store.set(bytes("b"), bytes("fresh"), 0);
    expect(store.getMany([bytes("a"), bytes("b")]).map(summary)).toMatchObject([
      { value: "new" },
      { value: "fresh" },
    ]);
    expect(store.memoryTierStats().items).toBe(0);
    await durable(store);
    expect(store.memoryTierStats().items).toBe(2);
  });
});
