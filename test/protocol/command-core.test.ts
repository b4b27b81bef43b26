/**
 * The command core against a real Store in a temporary folder: memcached's
 * store modes and cas checks, incr/decr arithmetic, delete with cas and
 * invalidation, the meta item states, and the `stats` counters each
 * request moves. The protocols only encode these results.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import type { CommandCore, StoreMode } from "../../src/protocol/command-core.ts";
import { NO_SUCH_CAS, toCas } from "../../src/protocol/numbers.ts";
import { latin1Bytes as bytes, latin1Text as text } from "../support/bytes.ts";
import { TemporaryCores } from "../support/core.ts";

const cores = new TemporaryCores("litecached-core-");
afterEach(() => cores.closeAll());
afterAll(() => cores.remove());

function openCore(maxItemSize = 1024 * 1024): CommandCore {
  return cores.open({ maxItemSize });
}

function storedText(core: CommandCore, key: string): string | null {
  const item = core.store.get(bytes(key));
  return item && text(item.value);
}

function store(core: CommandCore, mode: StoreMode, key: string, value: string, more = {}) {
  return core.storeItem({ mode, key: bytes(key), value: bytes(value), flags: 0, ...more });
}

// ---- store modes ----

describe("CommandCore: store modes", () => {
  test("Should set, add only when absent and replace only when present", () => {
    const core = openCore();
    expect(store(core, "replace", "k", "r").status).toBe("not_stored");
    expect(store(core, "add", "k", "a").status).toBe("stored");
    expect(store(core, "add", "k", "b").status).toBe("not_stored");
    expect(store(core, "replace", "k", "r").status).toBe("stored");
    expect(store(core, "set", "k", "s").status).toBe("stored");
    expect(storedText(core, "k")).toBe("s");
    expect(core.stats.counters.cmd_set).toBe(5);
    expect(core.stats.counters.total_items).toBe(3);
  });

  test("Should append and prepend to an existing item, keeping its flags", () => {
    const core = openCore();
    core.storeItem({ mode: "set", key: bytes("k"), value: bytes("b"), flags: 7 });
    expect(store(core, "append", "k", "c").status).toBe("stored");
    expect(store(core, "prepend", "k", "a").status).toBe("stored");
    expect(core.store.get(bytes("k"))?.flags).toBe(7);
    expect(storedText(core, "k")).toBe("abc");
    expect(store(core, "append", "missing", "x").status).toBe("not_stored");
  });

  test("Should refuse to grow an item past the item size limit", () => {
    const core = openCore(4);
    store(core, "set", "k", "abc");
    expect(store(core, "append", "k", "de").status).toBe("not_stored");
    expect(storedText(core, "k")).toBe("abc");
  });

  test("Should return the stored item's cas, new for every change", () => {
    const core = openCore();
    const first = store(core, "set", "k", "1");
    const second = store(core, "append", "k", "2");
    expect(first.cas).toBeGreaterThan(0);
    expect(second.cas).toBeGreaterThan(first.cas);
    expect(core.store.get(bytes("k"))?.cas).toBe(second.cas);
    expect(store(core, "add", "k", "x").cas).toBe(0);
  });
});

// ---- cas ----

describe("CommandCore: cas compare", () => {
  test("Should store with the current cas and refuse a stale one", () => {
    const core = openCore();
    const { cas } = store(core, "set", "k", "one");
    expect(store(core, "set", "k", "two", { compareCas: cas }).status).toBe("stored");
    expect(store(core, "set", "k", "three", { compareCas: cas }).status).toBe("exists");
    expect(storedText(core, "k")).toBe("two");
    const counters = core.stats.counters;
    expect([counters.cas_hits, counters.cas_badval, counters.cas_misses]).toEqual([1, 1, 0]);
  });

  test("Should answer not_found to a cas on a missing key", () => {
    const core = openCore();
    expect(store(core, "set", "k", "v", { compareCas: 1 }).status).toBe("not_found");
    expect(core.store.has(bytes("k"))).toBe(false);
    expect(core.stats.counters.cas_misses).toBe(1);
  });

  test("Should refuse a cas beyond any cas given out", () => {
    const core = openCore();
    const { cas } = store(core, "set", "k", "v");
    const beyond = toCas(BigInt(cas) + (1n << 53n));
    expect(beyond).toBe(NO_SUCH_CAS);
    expect(store(core, "set", "k", "w", { compareCas: beyond }).status).toBe("exists");
  });

  test("Should let a cas of 0 match nothing for set and replace", () => {
    const core = openCore();
    store(core, "set", "k", "v");
    expect(store(core, "set", "k", "w", { compareCas: 0 }).status).toBe("exists");
    expect(store(core, "replace", "k", "w", { compareCas: 0 }).status).toBe("exists");
  });

  test("Should check a cas on append, where 0 means no check", () => {
    const core = openCore();
    const { cas } = store(core, "set", "k", "a");
    expect(store(core, "append", "k", "b", { compareCas: cas + 1 }).status).toBe("exists");
    expect(store(core, "append", "k", "b", { compareCas: 0 }).status).toBe("stored");
    expect(storedText(core, "k")).toBe("ab");
  });

  test("Should store an older cas as stale when asked to invalidate", () => {
    const core = openCore();
    const old = store(core, "set", "k", "v1");
    store(core, "set", "k", "v2");
    const result = store(core, "set", "k", "v3", { compareCas: old.cas, invalidate: true });
    expect(result.status).toBe("stored");
    expect(
      core.metaFetch(bytes("k"), { kind: "get", vivify: false, noUpdate: false }),
    ).toMatchObject({ stale: true, won: true });
  });
});

// ---- incr and decr ----

describe("CommandCore: incr and decr", () => {
  /** Stores `initial`, applies the delta, and returns the result and the stored text. */
  function delta(initial: string, amount: bigint, direction: "incr" | "decr") {
    const core = openCore();
    core.storeItem({ mode: "set", key: bytes("n"), value: bytes(initial), flags: 5 });
    const outcome = core.arithmetic({ key: bytes("n"), direction, delta: amount });
    const result = outcome.status === "ok" ? outcome.value : outcome.status;
    const item = core.store.get(bytes("n"));
    return { result, stored: item && text(item.value), flags: item?.flags };
  }

  test("Should increment and decrement, keeping the flags", () => {
    expect(delta("41", 1n, "incr")).toEqual({ result: 42n, stored: "42", flags: 5 });
    expect(delta("41", 40n, "decr")).toEqual({ result: 1n, stored: "1 ", flags: 5 });
  });

  test("Should give the item a new cas and return it", () => {
    const core = openCore();
    const { cas } = store(core, "set", "n", "1");
    const result = core.arithmetic({ key: bytes("n"), direction: "incr", delta: 1n });
    expect(result.status === "ok" && result.cas).toBeGreaterThan(cas);
    expect(result.status === "ok" && result.cas).toBe(core.store.get(bytes("n"))?.cas as number);
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

  test("Should answer not_found for a missing key, and count the misses", () => {
    const core = openCore();
    expect(core.arithmetic({ key: bytes("n"), direction: "incr", delta: 1n })).toEqual({
      status: "not_found",
    });
    expect(core.arithmetic({ key: bytes("n"), direction: "decr", delta: 1n })).toEqual({
      status: "not_found",
    });
    expect(core.store.has(bytes("n"))).toBe(false);
    expect([core.stats.counters.incr_misses, core.stats.counters.decr_misses]).toEqual([1, 1]);
  });

  test("Should create a missing item with the initial value when asked, without the delta", () => {
    const core = openCore();
    const result = core.arithmetic({ key: bytes("n"), direction: "incr", delta: 5n, initial: 10n });
    expect(result).toMatchObject({ status: "ok", value: 10n, created: true });
    expect(storedText(core, "n")).toBe("10");
  });

  test("Should change only an item whose cas matches", () => {
    const core = openCore();
    const { cas } = store(core, "set", "n", "1");
    const wrong = core.arithmetic({
      key: bytes("n"),
      direction: "incr",
      delta: 1n,
      compareCas: cas + 1,
    });
    expect(wrong).toEqual({ status: "exists" });
    const right = core.arithmetic({
      key: bytes("n"),
      direction: "incr",
      delta: 1n,
      compareCas: cas,
    });
    expect(right).toMatchObject({ status: "ok", value: 2n });
  });
});

// ---- delete, touch, flush ----

describe("CommandCore: delete, touch and flush", () => {
  test("Should delete a key once, counting hits and misses", () => {
    const core = openCore();
    store(core, "set", "k", "v");
    expect(core.delete({ key: bytes("k") })).toBe("deleted");
    expect(core.delete({ key: bytes("k") })).toBe("not_found");
    expect([core.stats.counters.delete_hits, core.stats.counters.delete_misses]).toEqual([1, 1]);
  });

  test("Should delete only with a matching cas", () => {
    const core = openCore();
    const { cas } = store(core, "set", "k", "v");
    expect(core.delete({ key: bytes("k"), compareCas: cas + 1 })).toBe("exists");
    expect(core.delete({ key: bytes("k"), compareCas: cas })).toBe("deleted");
  });

  test("Should invalidate instead of deleting: stale, a new cas, one winner", () => {
    const core = openCore();
    const { cas } = store(core, "set", "k", "v");
    expect(core.delete({ key: bytes("k"), invalidate: true })).toBe("deleted");
    const options = { kind: "get", vivify: false, noUpdate: false } as const;
    const first = core.metaFetch(bytes("k"), options);
    expect(first?.item.cas).toBeGreaterThan(cas);
    expect(first).toMatchObject({ stale: true, won: true, tokenAlreadySent: false });
    expect(core.metaFetch(bytes("k"), options)).toMatchObject({
      stale: true,
      won: false,
      tokenAlreadySent: true,
    });
    store(core, "set", "k", "fresh");
    expect(core.metaFetch(bytes("k"), options)).toMatchObject({ stale: false, won: false });
  });

  test("Should touch only existing keys", () => {
    const core = openCore();
    store(core, "set", "k", "v");
    expect(core.touch(bytes("k"))).toBe(true);
    expect(core.touch(bytes("nope"))).toBe(false);
    const counters = core.stats.counters;
    expect([counters.cmd_touch, counters.touch_hits, counters.touch_misses]).toEqual([2, 1, 1]);
  });

  test("Should flush everything at once, or after a delay", async () => {
    const core = openCore();
    store(core, "set", "a", "1");
    core.flush(0);
    expect(core.store.itemCount).toBe(0);
    store(core, "set", "b", "2");
    core.flush(1);
    expect(core.store.has(bytes("b"))).toBe(true);
    await Bun.sleep(1500);
    expect(core.store.has(bytes("b"))).toBe(false);
  });

  test("Should remove the old value of a too-large set only when asked", () => {
    const core = openCore();
    store(core, "set", "a", "1");
    store(core, "set", "b", "2");
    core.rejectTooLarge(bytes("a"), true);
    core.rejectTooLarge(bytes("b"), false);
    expect([core.store.has(bytes("a")), core.store.has(bytes("b"))]).toEqual([false, true]);
    expect(core.stats.counters.store_too_large).toBe(2);
  });
});

// ---- fetches and meta item states ----

describe("CommandCore: fetches and item states", () => {
  test("Should count gets and touches with their hits and misses", () => {
    const core = openCore();
    store(core, "set", "k", "v");
    expect(core.fetch(bytes("k"), "get")?.value).toEqual(bytes("v"));
    expect(core.fetch(bytes("nope"), "get")).toBeNull();
    expect(core.fetch(bytes("k"), "touch")).not.toBeNull();
    const c = core.stats.counters;
    expect([c.cmd_get, c.get_hits, c.get_misses, c.cmd_touch, c.touch_hits]).toEqual([
      2, 2, 1, 1, 1,
    ]);
  });

  test("Should report hit-before as it was before the request, unless told not to update", () => {
    const core = openCore();
    store(core, "set", "k", "v");
    const get = { kind: "get", vivify: false, noUpdate: false } as const;
    expect(core.metaFetch(bytes("k"), { ...get, noUpdate: true })?.hitBefore).toBe(false);
    expect(core.metaFetch(bytes("k"), get)?.hitBefore).toBe(false);
    expect(core.metaFetch(bytes("k"), get)?.hitBefore).toBe(true);
    store(core, "set", "k", "new");
    expect(core.metaFetch(bytes("k"), get)?.hitBefore).toBe(false);
  });

  test("Should vivify a miss once: the creator wins, later readers see the token sent", () => {
    const core = openCore();
    const vivify = { kind: "get", vivify: true, noUpdate: false } as const;
    expect(core.metaFetch(bytes("k"), vivify)).toMatchObject({
      created: true,
      won: true,
      tokenAlreadySent: false,
    });
    expect(storedText(core, "k")).toBe("");
    expect(core.metaFetch(bytes("k"), vivify)).toMatchObject({
      created: false,
      won: false,
      tokenAlreadySent: true,
    });
    expect(core.stats.counters.get_misses).toBe(0);
  });

  test("Should miss without vivifying unless asked", () => {
    const core = openCore();
    expect(core.metaFetch(bytes("k"), { kind: "get", vivify: false, noUpdate: false })).toBeNull();
    expect(core.store.has(bytes("k"))).toBe(false);
  });
});
