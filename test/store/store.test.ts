/**
 * The Store against real SQLite files in a temporary folder: byte-exact
 * items, memcached's incr/decr, the group commit, cas values across
 * restarts, the item count and bytes, key pages, and the files it must refuse.
 */

import { Database } from "bun:sqlite";
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Change, DatabaseOpenError, Store } from "../../src/store/store.ts";
// Short names: almost every test below builds keys and values from Latin-1 strings.
import { latin1Bytes as bytes, latin1Text as text } from "../support/bytes.ts";

// ---- temporary databases ----

const root = mkdtempSync(join(tmpdir(), "litecached-store-"));
let counter = 0;
const open: Store[] = [];

/** A fresh folder of its own for each database, so that stray files show. */
function freshFolder(): string {
  const folder = join(root, `case-${++counter}`);
  mkdirSync(folder);
  return folder;
}

function openStore(path = join(freshFolder(), "database.sqlite")): Store {
  const store = new Store(path, { sync: "normal" });
  open.push(store);
  return store;
}

function closeStore(store: Store): void {
  store.close();
  open.splice(open.indexOf(store), 1);
}

function reopen(store: Store): Store {
  closeStore(store);
  return openStore(store.path);
}

afterEach(() => {
  for (const store of open.splice(0)) store.close();
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

// ---- bytes ----

const EVERY_BYTE = new Uint8Array(256).map((_, index) => index);

/** Waits for the group commit holding every write so far; resolves with its error, if any. */
function durable(store: Store): Promise<Error | undefined> {
  return new Promise((resolve) => store.whenDurable(resolve));
}

function storedText(store: Store, key: string): string | null {
  const item = store.get(bytes(key));
  return item === null ? null : text(item.value);
}

// ---- items ----

describe("Store: items", () => {
  test("Should keep every byte value in keys and values exactly, across a reopen", async () => {
    let store = openStore();
    const keys: Uint8Array[] = [EVERY_BYTE];
    for (let byte = 0; byte < 256; byte++) keys.push(new Uint8Array([byte]));
    keys.push(bytes("\x00\x00"), bytes("\xff\xff\x00"), bytes("\r\n"));
    keys.forEach((key, index) => {
      const value = new Uint8Array(256).map((_, position) => (position + index) & 0xff);
      store.set(key, value, index);
    });
    expect(await durable(store)).toBeUndefined();
    for (const round of [1, 2]) {
      keys.forEach((key, index) => {
        const item = store.get(key);
        const expected = new Uint8Array(256).map((_, position) => (position + index) & 0xff);
        expect({ round, index, value: item && [...item.value], flags: item?.flags }).toEqual({
          round,
          index,
          value: [...expected],
          flags: index,
        });
      });
      store = reopen(store);
    }
    expect(store.itemCount).toBe(keys.length);
  });

  test("Should keep an empty value", async () => {
    const store = openStore();
    store.set(bytes("empty"), new Uint8Array(0), 7);
    await durable(store);
    const item = store.get(bytes("empty"));
    expect(item?.value.length).toBe(0);
    expect(item?.flags).toBe(7);
  });

  test("Should return null for a missing key and tell whether a key exists", () => {
    const store = openStore();
    expect(store.get(bytes("missing"))).toBeNull();
    expect(store.has(bytes("missing"))).toBe(false);
    store.set(bytes("present"), bytes("v"), 0);
    expect(store.has(bytes("present"))).toBe(true);
    expect(store.has(bytes("presen"))).toBe(false);
  });

  test("Should keep the largest 32-bit flags", () => {
    const store = openStore();
    store.set(bytes("k"), bytes("v"), 4294967295);
    expect(store.get(bytes("k"))?.flags).toBe(4294967295);
  });

  test("Should overwrite with set and give each write a larger cas", () => {
    const store = openStore();
    const first = store.set(bytes("k"), bytes("one"), 1);
    const second = store.set(bytes("k"), bytes("two"), 2);
    expect(second).toBeGreaterThan(first);
    expect(store.get(bytes("k"))).toEqual({ value: bytes("two"), flags: 2, cas: second });
  });

  test("Should add only a missing key", () => {
    const store = openStore();
    const cas = store.add(bytes("k"), bytes("first"), 1);
    expect(cas).toBeGreaterThan(0);
    expect(store.add(bytes("k"), bytes("second"), 2)).toBe(0);
    expect(store.get(bytes("k"))).toEqual({ value: bytes("first"), flags: 1, cas });
  });

  test("Should replace only an existing key, with its new flags", () => {
    const store = openStore();
    expect(store.replace(bytes("k"), bytes("v"), 1)).toBe(0);
    expect(store.has(bytes("k"))).toBe(false);
    store.set(bytes("k"), bytes("old"), 1);
    const cas = store.replace(bytes("k"), bytes("new"), 9);
    expect(store.get(bytes("k"))).toEqual({ value: bytes("new"), flags: 9, cas });
  });

  test("Should append and prepend bytes exactly, keeping the old flags", () => {
    const store = openStore();
    store.set(bytes("k"), bytes("\x00mid\xff"), 42);
    const before = store.get(bytes("k"))?.cas as number;
    expect(store.concat(bytes("k"), bytes("\r\nend"), "append")).toBe(true);
    expect(store.concat(bytes("k"), bytes("start\r\n"), "prepend")).toBe(true);
    const item = store.get(bytes("k"));
    expect(item && text(item.value)).toBe("start\r\n\x00mid\xff\r\nend");
    expect(item?.flags).toBe(42);
    expect(item?.cas).toBeGreaterThan(before);
  });

  test("Should not append or prepend to a missing key", () => {
    const store = openStore();
    expect(store.concat(bytes("k"), bytes("x"), "append")).toBe(false);
    expect(store.concat(bytes("k"), bytes("x"), "prepend")).toBe(false);
    expect(store.has(bytes("k"))).toBe(false);
  });

  test("Should store a cas with the current unique and refuse a stale one", () => {
    const store = openStore();
    const cas = store.set(bytes("k"), bytes("one"), 1);
    expect(store.compareAndSwap(bytes("k"), bytes("two"), 2, BigInt(cas))).toBe("stored");
    const item = store.get(bytes("k"));
    expect(item && text(item.value)).toBe("two");
    expect(item?.flags).toBe(2);
    expect(item?.cas).toBeGreaterThan(cas);
    expect(store.compareAndSwap(bytes("k"), bytes("three"), 3, BigInt(cas))).toBe("exists");
    expect(storedText(store, "k")).toBe("two");
  });

  test("Should answer not_found to a cas on a missing key", () => {
    const store = openStore();
    expect(store.compareAndSwap(bytes("k"), bytes("v"), 0, 1n)).toBe("not_found");
    expect(store.has(bytes("k"))).toBe(false);
  });

  test("Should refuse a cas unique beyond any cas given out", () => {
    const store = openStore();
    const cas = store.set(bytes("k"), bytes("v"), 0);
    expect(store.compareAndSwap(bytes("k"), bytes("w"), 0, BigInt(cas) + (1n << 53n))).toBe(
      "exists",
    );
    expect(store.compareAndSwap(bytes("k"), bytes("w"), 0, 0n)).toBe("exists");
  });

  test("Should delete a key once", () => {
    const store = openStore();
    store.set(bytes("k"), bytes("v"), 0);
    expect(store.delete(bytes("k"))).toBe(true);
    expect(store.delete(bytes("k"))).toBe(false);
    expect(store.get(bytes("k"))).toBeNull();
  });

  test("Should flush every item", async () => {
    let store = openStore();
    for (let index = 0; index < 100; index++) store.set(bytes(`k${index}`), bytes("v"), 0);
    await durable(store);
    store.flush();
    await durable(store);
    store = reopen(store);
    expect(store.itemCount).toBe(0);
    expect(store.listKeys({ limit: 10 })).toEqual([]);
  });

  test("Should give an item's details for the monitor", () => {
    const store = openStore();
    const before = Date.now();
    const cas = store.set(bytes("k\xff"), bytes("value"), 3);
    const details = store.getDetails(bytes("k\xff"));
    expect(details && { ...details, key: text(details.key), value: text(details.value) }).toEqual({
      key: "k\xff",
      value: "value",
      flags: 3,
      cas,
      modifiedMs: expect.any(Number),
    });
    expect(details?.modifiedMs).toBeGreaterThanOrEqual(before);
    expect(details?.modifiedMs).toBeLessThanOrEqual(Date.now());
    expect(store.getDetails(bytes("nope"))).toBeNull();
  });
});

// ---- incr and decr ----

describe("Store: incr and decr", () => {
  /** Stores `initial`, applies the delta, and returns the result and the stored text. */
  function delta(initial: string, amount: bigint, direction: "incr" | "decr") {
    const store = openStore();
    store.set(bytes("n"), bytes(initial), 5);
    const result = store.applyDelta(bytes("n"), amount, direction);
    const item = store.get(bytes("n"));
    return { result, stored: item && text(item.value), flags: item?.flags };
  }

  test("Should increment and decrement, keeping the flags", () => {
    expect(delta("41", 1n, "incr")).toEqual({ result: 42n, stored: "42", flags: 5 });
    expect(delta("41", 40n, "decr")).toEqual({ result: 1n, stored: "1 ", flags: 5 });
  });

  test("Should give the item a new cas", () => {
    const store = openStore();
    const cas = store.set(bytes("n"), bytes("1"), 0);
    store.applyDelta(bytes("n"), 1n, "incr");
    expect(store.get(bytes("n"))?.cas).toBeGreaterThan(cas);
  });

  test("Should wrap incr at 2^64", () => {
    expect(delta("18446744073709551615", 1n, "incr")).toEqual({
      result: 0n,
      stored: `0${" ".repeat(19)}`,
      flags: 5,
    });
    expect(delta("18446744073709551610", 10n, "incr").result).toBe(4n);
    expect(delta("1", 18446744073709551615n, "incr").result).toBe(0n);
  });

  test("Should stop decr at 0", () => {
    expect(delta("5", 10n, "decr")).toEqual({ result: 0n, stored: "0", flags: 5 });
    expect(delta("5", 18446744073709551615n, "decr").result).toBe(0n);
    expect(delta("0", 1n, "decr").result).toBe(0n);
  });

  test("Should pad a shorter result with spaces, as memcached does", () => {
    expect(delta("10", 1n, "decr")).toEqual({ result: 9n, stored: "9 ", flags: 5 });
    expect(delta("1000", 999n, "decr").stored).toBe("1   ");
  });

  test("Should grow the value when the result is longer", () => {
    expect(delta("99", 1n, "incr")).toEqual({ result: 100n, stored: "100", flags: 5 });
    expect(delta("9 ", 1n, "incr")).toEqual({ result: 10n, stored: "10", flags: 5 });
  });

  test("Should refuse values that are not a decimal 64-bit number", () => {
    for (const initial of ["abc", "5a", "", "-1", "18446744073709551616", "0x10", " ", "1.5"]) {
      expect({ initial, ...delta(initial, 1n, "incr") }).toEqual({
        initial,
        result: "non_numeric",
        stored: initial,
        flags: 5,
      });
    }
  });

  test("Should read stored numbers as memcached's strtoull does", () => {
    const cases: [string, bigint, string][] = [
      [" 7", 8n, "8 "],
      ["12 abc", 13n, "13    "],
      ["5\t", 6n, "6 "],
      ["\t\n9", 10n, "10 "],
      ["1\r\n", 2n, "2  "],
      ["-0", 1n, "1 "],
      ["+5", 6n, "6 "],
      ["12\x00", 13n, "13 "],
      ["00000000000000000000000000001", 2n, `2${" ".repeat(28)}`],
      // strtoull wraps a negative number modulo 2^64; memcached refuses it
      // only when the result looks negative.
      ["-18446744073709551615", 2n, `2${" ".repeat(20)}`],
      ["9223372036854775807 -", 9223372036854775808n, "9223372036854775808  "],
    ];
    for (const [initial, result, stored] of cases) {
      expect({ initial, ...delta(initial, 1n, "incr") }).toEqual({
        initial,
        result,
        stored,
        flags: 5,
      });
    }
  });

  test("Should refuse a number of 2^63 or more when its value holds a minus sign", () => {
    for (const initial of [
      "18446744073709551615 -",
      "9223372036854775808 -",
      "-9223372036854775808",
    ]) {
      expect({ initial, result: delta(initial, 1n, "incr").result }).toEqual({
        initial,
        result: "non_numeric",
      });
    }
  });

  test("Should answer not_found for a missing key", () => {
    const store = openStore();
    expect(store.applyDelta(bytes("n"), 1n, "incr")).toBe("not_found");
    expect(store.applyDelta(bytes("n"), 1n, "decr")).toBe("not_found");
    expect(store.has(bytes("n"))).toBe(false);
  });
});

// ---- the group commit ----

describe("Store: group commit", () => {
  test("Should commit every write of one event-loop turn together", async () => {
    const store = openStore();
    const commitsBefore = store.commitCount;
    const events: string[] = [];
    store.set(bytes("a"), bytes("1"), 0);
    store.whenDurable((error) =>
      events.push(`first waiter: ${error}, commits ${store.commitCount}`),
    );
    store.add(bytes("b"), bytes("2"), 0);
    store.concat(bytes("a"), bytes("+"), "append");
    store.applyDelta(bytes("b"), 1n, "incr");
    store.delete(bytes("b"));
    store.whenDurable((error) =>
      events.push(`second waiter: ${error}, commits ${store.commitCount}`),
    );
    expect(store.hasPendingWrites).toBe(true);
    expect(events).toEqual([]);
    expect(store.commitCount).toBe(commitsBefore);
    await durable(store);
    expect(store.commitCount).toBe(commitsBefore + 1);
    expect(store.hasPendingWrites).toBe(false);
    expect(events).toEqual([
      `first waiter: undefined, commits ${commitsBefore + 1}`,
      `second waiter: undefined, commits ${commitsBefore + 1}`,
    ]);
  });

  test("Should commit writes of separate turns separately", async () => {
    const store = openStore();
    const commitsBefore = store.commitCount;
    store.set(bytes("a"), bytes("1"), 0);
    await durable(store);
    store.set(bytes("b"), bytes("2"), 0);
    await durable(store);
    expect(store.commitCount).toBe(commitsBefore + 2);
  });

  test("Should call back at once when nothing waits for a commit", () => {
    const store = openStore();
    let called = false;
    store.whenDurable((error) => {
      called = error === undefined;
    });
    expect(called).toBe(true);
  });

  test("Should count a write that changed nothing as part of the batch", async () => {
    const store = openStore();
    const commitsBefore = store.commitCount;
    expect(store.delete(bytes("missing"))).toBe(false);
    expect(store.hasPendingWrites).toBe(true);
    expect(await durable(store)).toBeUndefined();
    expect(store.commitCount).toBe(commitsBefore + 1);
  });

  test("Should keep committed writes after a reopen", async () => {
    let store = openStore();
    store.set(bytes("a"), bytes("1"), 0);
    store.set(bytes("b"), bytes("2"), 0);
    await durable(store);
    store = reopen(store);
    expect([storedText(store, "a"), storedText(store, "b")]).toEqual(["1", "2"]);
  });

  test("Should commit pending writes on close", () => {
    let store = openStore();
    store.set(bytes("a"), bytes("1"), 0);
    store = reopen(store);
    expect(storedText(store, "a")).toBe("1");
  });

  test("Should tell change listeners about committed changes, once per commit", async () => {
    const store = openStore();
    const seen: Change[][] = [];
    const stop = store.onChange((changes) => seen.push([...changes]));
    store.set(bytes("a"), bytes("12345"), 3);
    store.delete(bytes("a"));
    store.flush();
    expect(seen).toEqual([]);
    await durable(store);
    expect(seen.length).toBe(1);
    expect(
      seen[0]?.map((change) => ("key" in change ? { ...change, key: text(change.key) } : change)),
    ).toEqual([
      {
        type: "set",
        key: "a",
        size: 5,
        flags: 3,
        cas: expect.any(Number),
        modifiedMs: expect.any(Number),
      },
      { type: "delete", key: "a" },
      { type: "flush" },
    ]);
    stop();
    store.set(bytes("b"), bytes("1"), 0);
    await durable(store);
    expect(seen.length).toBe(1);
  });
});

// ---- cas values ----

describe("Store: cas values", () => {
  test("Should give unique, increasing cas values across every kind of write", () => {
    const store = openStore();
    const values = [
      store.set(bytes("a"), bytes("1"), 0),
      store.add(bytes("b"), bytes("1"), 0),
      store.replace(bytes("a"), bytes("2"), 0),
    ];
    store.concat(bytes("a"), bytes("3"), "append");
    values.push(store.get(bytes("a"))?.cas as number);
    store.applyDelta(bytes("b"), 1n, "incr");
    values.push(store.get(bytes("b"))?.cas as number);
    store.compareAndSwap(bytes("b"), bytes("9"), 0, BigInt(values[4] as number));
    values.push(store.get(bytes("b"))?.cas as number);
    expect(values).toEqual([...values].sort((x, y) => x - y));
    expect(new Set(values).size).toBe(values.length);
  });

  test("Should keep cas values increasing after a reopen, even once the newest item is gone", async () => {
    let store = openStore();
    store.set(bytes("a"), bytes("1"), 0);
    const highest = store.set(bytes("b"), bytes("2"), 0);
    await durable(store);
    store.delete(bytes("b"));
    await durable(store);
    store = reopen(store);
    const next = store.set(bytes("c"), bytes("3"), 0);
    expect(next).toBeGreaterThan(highest);
    store.flush();
    store = reopen(store);
    expect(store.set(bytes("d"), bytes("4"), 0)).toBeGreaterThan(next);
  });
});

// ---- counters ----

describe("Store: item count and bytes", () => {
  /** The counters must always equal what a full scan would find. */
  function expectCounters(store: Store, count: number, size: number): void {
    expect({ count: store.itemCount, bytes: store.itemBytes }).toEqual({ count, bytes: size });
    const rows = store.listKeys({ limit: 1_000_000 });
    const scanned = rows.reduce((sum, row) => sum + row.key.length + row.size, 0);
    expect({ count: rows.length, bytes: scanned }).toEqual({ count, bytes: size });
  }

  test("Should keep the count and bytes through every kind of write", async () => {
    let store = openStore();
    expectCounters(store, 0, 0);
    store.set(bytes("ab"), bytes("12345"), 0);
    expectCounters(store, 1, 7);
    store.set(bytes("ab"), bytes("1"), 0);
    expectCounters(store, 1, 3);
    store.set(bytes("ab"), bytes("1234567890"), 0);
    expectCounters(store, 1, 12);
    store.add(bytes("c"), bytes("xyz"), 0);
    expectCounters(store, 2, 16);
    store.add(bytes("c"), bytes("ignored"), 0);
    expectCounters(store, 2, 16);
    store.replace(bytes("c"), bytes("x"), 0);
    expectCounters(store, 2, 14);
    store.concat(bytes("c"), bytes("yy"), "append");
    expectCounters(store, 2, 16);
    store.set(bytes("n"), bytes("99"), 0);
    store.applyDelta(bytes("n"), 1n, "incr");
    expectCounters(store, 3, 20);
    store.compareAndSwap(bytes("n"), bytes("1"), 0, BigInt(store.get(bytes("n"))?.cas as number));
    expectCounters(store, 3, 18);
    store.delete(bytes("ab"));
    expectCounters(store, 2, 6);
    await durable(store);
    store = reopen(store);
    expectCounters(store, 2, 6);
    store.flush();
    expectCounters(store, 0, 0);
    store.set(bytes("after"), bytes("flush"), 0);
    expectCounters(store, 1, 10);
  });
});

// ---- key pages ----

describe("Store: listKeys", () => {
  /** In byte order: "ab" sorts before "a\xff". */
  const KEYS = [
    "\x00",
    "a",
    "a\x00",
    "ab",
    "a\xff",
    "a\xff\x00",
    "a\xff\xff",
    "a\xff\xffz",
    "b",
    "\xfe",
    "\xff",
    "\xff\x00",
    "\xff\xff",
    "\xff\xff\xff",
  ];

  function filledStore(): Store {
    const store = openStore();
    // Inserted out of order: the order must come from the keys.
    for (const key of [...KEYS].reverse()) store.set(bytes(key), bytes(`v:${key}`), key.length);
    return store;
  }

  const keysOf = (rows: { key: Uint8Array }[]): string[] => rows.map((row) => text(row.key));

  test("Should list keys in byte order with their metadata", () => {
    const store = filledStore();
    const rows = store.listKeys({ limit: 100 });
    expect(keysOf(rows)).toEqual(KEYS);
    const first = rows[0];
    expect(first && { size: first.size, flags: first.flags }).toEqual({ size: 3, flags: 1 });
    expect(rows.every((row) => row.cas > 0 && row.modifiedMs > 0)).toBe(true);
    expect("value" in (first ?? {})).toBe(false);
  });

  test("Should page forwards with after and backwards with before", () => {
    const store = filledStore();
    const forwards: string[][] = [];
    let after: Uint8Array | undefined;
    for (;;) {
      const page = store.listKeys({ after, limit: 4 });
      if (page.length === 0) break;
      forwards.push(keysOf(page));
      after = page[page.length - 1]?.key;
    }
    expect(forwards.flat()).toEqual(KEYS);
    expect(forwards.map((page) => page.length)).toEqual([4, 4, 4, 2]);

    const backwards: string[][] = [];
    let before: Uint8Array | undefined = bytes("\xff\xff\xff\xff");
    for (;;) {
      const page = store.listKeys({ before, limit: 4 });
      if (page.length === 0) break;
      backwards.unshift(keysOf(page));
      before = page[0]?.key;
    }
    expect(backwards.flat()).toEqual(KEYS);
    expect(backwards.map((page) => page.length)).toEqual([2, 4, 4, 4]);
  });

  test("Should prefer after when both after and before are given", () => {
    const store = filledStore();
    expect(keysOf(store.listKeys({ after: bytes("a"), before: bytes("a"), limit: 2 }))).toEqual([
      "a\x00",
      "ab",
    ]);
  });

  const prefixCases: [string, string[]][] = [
    ["a", ["a", "a\x00", "ab", "a\xff", "a\xff\x00", "a\xff\xff", "a\xff\xffz"]],
    ["a\xff", ["a\xff", "a\xff\x00", "a\xff\xff", "a\xff\xffz"]],
    ["a\xff\xff", ["a\xff\xff", "a\xff\xffz"]],
    ["\xff", ["\xff", "\xff\x00", "\xff\xff", "\xff\xff\xff"]],
    ["\xff\xff", ["\xff\xff", "\xff\xff\xff"]],
    ["\x00", ["\x00"]],
    ["c", []],
    ["a\xfe", []],
  ];
  for (const [prefix, expected] of prefixCases) {
    test(`Should list only keys starting with ${JSON.stringify(prefix)}`, () => {
      const store = filledStore();
      expect(keysOf(store.listKeys({ prefix: bytes(prefix), limit: 100 }))).toEqual(expected);
    });
  }

  test("Should page within a prefix that ends in 0xff bytes, both ways", () => {
    const store = filledStore();
    const prefix = bytes("a\xff");
    const first = store.listKeys({ prefix, limit: 3 });
    expect(keysOf(first)).toEqual(["a\xff", "a\xff\x00", "a\xff\xff"]);
    const second = store.listKeys({ prefix, after: first[2]?.key, limit: 3 });
    expect(keysOf(second)).toEqual(["a\xff\xffz"]);
    const back = store.listKeys({ prefix, before: second[0]?.key, limit: 2 });
    expect(keysOf(back)).toEqual(["a\xff\x00", "a\xff\xff"]);
  });

  test("Should keep a page inside its prefix whatever the cursor", () => {
    const store = filledStore();
    const prefix = bytes("a\xff");
    expect(keysOf(store.listKeys({ prefix, after: bytes("0"), limit: 2 }))).toEqual([
      "a\xff",
      "a\xff\x00",
    ]);
    expect(keysOf(store.listKeys({ prefix, after: bytes("z"), limit: 2 }))).toEqual([]);
    expect(keysOf(store.listKeys({ prefix, before: bytes("z"), limit: 2 }))).toEqual([
      "a\xff\xff",
      "a\xff\xffz",
    ]);
    expect(keysOf(store.listKeys({ prefix, before: bytes("a"), limit: 2 }))).toEqual([]);
    const allFf = bytes("\xff\xff");
    expect(keysOf(store.listKeys({ prefix: allFf, after: bytes("\xff\xff"), limit: 5 }))).toEqual([
      "\xff\xff\xff",
    ]);
    expect(
      keysOf(store.listKeys({ prefix: allFf, before: bytes("\xff\xff\xff"), limit: 5 })),
    ).toEqual(["\xff\xff"]);
  });
});

// ---- opening files ----

describe("Store: opening database files", () => {
  /** Asserts the open fails with a DatabaseOpenError whose message names the path. */
  function expectRefused(path: string, reason?: string): DatabaseOpenError {
    let caught: unknown;
    try {
      openStore(path);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DatabaseOpenError);
    const error = caught as DatabaseOpenError;
    expect(error.message).toContain(path);
    if (reason !== undefined) expect(error.message).toContain(reason);
    expect(error.message).not.toContain("\n");
    return error;
  }

  function snapshotFolder(folder: string): Record<string, string> {
    const files: Record<string, string> = {};
    for (const name of readdirSync(folder).sort()) {
      files[name] = readFileSync(join(folder, name)).toString("base64");
    }
    return files;
  }

  test("Should create a new database with its schema", () => {
    const folder = freshFolder();
    const path = join(folder, "new.sqlite");
    const store = openStore(path);
    expect(existsSync(path)).toBe(true);
    expect(store.itemCount).toBe(0);
    store.set(bytes("k"), bytes("v"), 0);
    expect(storedText(store, "k")).toBe("v");
  });

  test("Should take an existing empty file as a new database", () => {
    const path = join(freshFolder(), "empty.sqlite");
    writeFileSync(path, "");
    const store = openStore(path);
    store.set(bytes("k"), bytes("v"), 0);
    expect(storedText(reopen(store), "k")).toBe("v");
  });

  test("Should refuse a file that is not SQLite and leave it byte for byte untouched", () => {
    const folder = freshFolder();
    const path = join(folder, "notes.sqlite");
    writeFileSync(path, "These are my notes, not a database.\n".repeat(200));
    const before = snapshotFolder(folder);
    expectRefused(path, "not a database");
    expect(snapshotFolder(folder)).toEqual(before);
  });

  test("Should refuse random bytes and leave them untouched", () => {
    const folder = freshFolder();
    const path = join(folder, "random.sqlite");
    const random = new Uint8Array(32 * 1024);
    crypto.getRandomValues(random);
    writeFileSync(path, random);
    const before = snapshotFolder(folder);
    expectRefused(path);
    expect(snapshotFolder(folder)).toEqual(before);
  });

  test("Should refuse a directory", () => {
    const path = join(freshFolder(), "folder.sqlite");
    mkdirSync(path);
    expectRefused(path);
    expect(readdirSync(path)).toEqual([]);
  });

  test("Should refuse a path in a folder that does not exist", () => {
    const path = join(freshFolder(), "missing", "database.sqlite");
    expectRefused(path);
    expect(existsSync(join(path, ".."))).toBe(false);
  });

  test("Should refuse another program's SQLite database and leave it untouched", () => {
    const folder = freshFolder();
    const path = join(folder, "other.sqlite");
    const other = new Database(path);
    other.run("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)");
    other.run("INSERT INTO invoices (total) VALUES (12.5)");
    other.close();
    const before = snapshotFolder(folder);
    expectRefused(path, "not a litecached");
    expect(snapshotFolder(folder)).toEqual(before);
  });

  test("Should refuse another program's database even when it sets user_version", () => {
    const folder = freshFolder();
    const path = join(folder, "versioned.sqlite");
    const other = new Database(path);
    other.run("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)");
    other.run("PRAGMA user_version = 1");
    other.close();
    const before = snapshotFolder(folder);
    expectRefused(path, "not a litecached");
    expect(snapshotFolder(folder)).toEqual(before);
  });

  test("Should refuse another program's database in WAL mode and leave its files as they were", () => {
    const folder = freshFolder();
    const path = join(folder, "wal.sqlite");
    const other = new Database(path);
    other.run("PRAGMA journal_mode = WAL");
    other.run("CREATE TABLE notes (body TEXT)");
    other.run("INSERT INTO notes VALUES ('hello')");
    other.close();
    const before = snapshotFolder(folder);
    expectRefused(path, "not a litecached");
    expect(snapshotFolder(folder)).toEqual(before);
  });

  test("Should refuse a database from a newer litecached", () => {
    const store = openStore();
    const path = store.path;
    closeStore(store);
    const newer = new Database(path);
    newer.run("PRAGMA user_version = 99");
    newer.close();
    expectRefused(path, "newer");
  });

  test("Should refuse a database another Store holds, and leave that Store working", async () => {
    const first = openStore();
    first.set(bytes("k"), bytes("v"), 0);
    await durable(first);
    const error = expectRefused(first.path, "in use");
    expect(error.message).toContain("locked");
    first.set(bytes("k2"), bytes("v2"), 0);
    expect(await durable(first)).toBeUndefined();
    expect(storedText(first, "k2")).toBe("v2");
    closeStore(first);
    const second = openStore(first.path);
    expect([storedText(second, "k"), storedText(second, "k2")]).toEqual(["v", "v2"]);
  });
});

// ---- failed commits ----

describe("Store: failed commits", () => {
  test("Should fail every waiter of a batch that SQLite rolled back, then carry on", async () => {
    let store = openStore();
    closeStore(store);
    // A trigger that rolls the whole transaction back, as SQLite does on
    // SQLITE_FULL or an I/O error in the middle of a batch.
    const db = new Database(store.path);
    db.run(`CREATE TRIGGER fail_on_boom BEFORE INSERT ON items WHEN NEW.key = X'626f6f6d'
            BEGIN SELECT RAISE(ROLLBACK, 'simulated disk failure'); END`);
    db.close();
    store = openStore(store.path);
    const failuresBefore = store.commitFailureCount;

    store.set(bytes("first"), bytes("1"), 0);
    const firstWaiter = durable(store);
    let thrown: unknown;
    try {
      store.set(bytes("boom"), bytes("x"), 0);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    // What the server does with a write that threw.
    store.noteWriteFailure(thrown as Error);
    store.set(bytes("second"), bytes("2"), 0);
    const secondWaiter = durable(store);

    expect((await firstWaiter)?.message).toContain("simulated disk failure");
    expect(await secondWaiter).toBe(await firstWaiter);
    expect(store.commitFailureCount).toBe(failuresBefore + 1);
    // Nothing of the failed batch may be kept: none of it was acknowledged.
    expect([store.has(bytes("first")), store.has(bytes("second"))]).toEqual([false, false]);

    store.set(bytes("third"), bytes("3"), 0);
    expect(await durable(store)).toBeUndefined();
    store = reopen(store);
    expect(keysOfStore(store)).toEqual(["third"]);
    expect(store.itemCount).toBe(1);
  });

  test("Should report a COMMIT that fails on a full disk to its waiters", async () => {
    const folder = freshFolder();
    const path = join(folder, "full.sqlite");
    const script = join(folder, "fill.ts");
    const storeModule = join(import.meta.dir, "../../src/store/store.ts");
    writeFileSync(
      script,
      `import { Store } from ${JSON.stringify(storeModule)};
const store = new Store(process.argv[2], { sync: "normal" });
const durable = () => new Promise((resolve) => store.whenDurable(resolve));
const bytes = (text) => new TextEncoder().encode(text);
store.set(bytes("before"), bytes("1"), 0);
const before = await durable();
// Larger than the file size limit: the WAL write at COMMIT fails.
store.set(bytes("huge"), new Uint8Array(4 * 1024 * 1024).fill(1), 0);
store.set(bytes("small"), bytes("2"), 0);
const failed = await durable();
store.set(bytes("after"), bytes("3"), 0);
const after = await durable();
console.log(JSON.stringify({
  before: before?.message ?? null,
  failed: failed ? { message: failed.message, code: failed.code } : null,
  after: after?.message ?? null,
  failures: store.commitFailureCount,
}));
store.close();
`,
    );
    // A 1 MiB file size limit stands in for a full disk; SIGXFSZ is ignored
    // so that the write fails with EFBIG instead of killing the process.
    const child = Bun.spawn(
      [
        "bash",
        "-c",
        'ulimit -f 2048 && trap "" XFSZ && exec "$0" "$@"',
        process.execPath,
        script,
        path,
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    const [output, errors, exitCode] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    expect({ exitCode, errors }).toEqual({ exitCode: 0, errors: "" });
    const report = JSON.parse(output);
    expect(report.before).toBeNull();
    expect(report.failed?.code).toMatch(/^SQLITE_(IOERR|FULL)/);
    expect(report.after).toBeNull();
    expect(report.failures).toBe(1);
    const store = openStore(path);
    expect(keysOfStore(store)).toEqual(["after", "before"]);
  });
});

function keysOfStore(store: Store): string[] {
  return store.listKeys({ limit: 100 }).map((row) => text(row.key));
}
