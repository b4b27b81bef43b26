import { describe, expect, test } from "bun:test";
import { applyChanges, type PageState } from "../../client/live-page.ts";
import type { ChangeJson, KeyJson } from "../../client/shared/api-types.ts";

const summary = (key: string, size = 1): KeyJson => ({ key, size, flags: 0, cas: 1, modified: 0 });
const set = (key: string, size = 1): ChangeJson => ({ type: "set", ...summary(key, size) });
const page = (keys: string[], hasPrevious = false, hasNext = false): PageState => ({
  keys: keys.map((key) => summary(key)),
  hasNext,
  hasPrevious,
});
const keysOf = (state: PageState) => state.keys.map((key) => key.key);
const NO_PREFIX = new Uint8Array(0);

describe("applyChanges", () => {
  test("Should insert a new key in byte order", () => {
    const next = applyChanges(page(["a", "c"]), [set("b"), set("%FF"), set("0")], NO_PREFIX, 100);
    expect(keysOf(next)).toEqual(["0", "a", "b", "c", "%FF"]);
  });

  test("Should update a key already on the page in place", () => {
    const next = applyChanges(page(["a", "b"]), [set("b", 99)], NO_PREFIX, 100);
    expect(next.keys[1]).toEqual(summary("b", 99));
  });

  test("Should leave out keys outside the page's range or prefix", () => {
    const middle = page(["m", "n"], true, true);
    expect(keysOf(applyChanges(middle, [set("a"), set("z"), set("mm")], NO_PREFIX, 100))).toEqual([
      "m",
      "mm",
      "n",
    ]);
    const prefixed = applyChanges(
      page(["user:1"]),
      [set("user:2"), set("zebra")],
      new TextEncoder().encode("user:"),
      100,
    );
    expect(keysOf(prefixed)).toEqual(["user:1", "user:2"]);
  });

  test("Should push the last key to the next page when the page is full", () => {
    const next = applyChanges(page(["a", "c"]), [set("b")], NO_PREFIX, 2);
    expect(keysOf(next)).toEqual(["a", "b"]);
    expect(next.hasNext).toBe(true);
  });

  test("Should remove deleted keys and ignore deletes of others", () => {
    const next = applyChanges(
      page(["a", "b"]),
      [
        { type: "delete", key: "a" },
        { type: "delete", key: "x" },
      ],
      NO_PREFIX,
      100,
    );
    expect(keysOf(next)).toEqual(["b"]);
  });

  test("Should empty the page on a flush and keep what was set after it", () => {
    const next = applyChanges(
      page(["a", "b"], true, true),
      [{ type: "flush" }, set("z")],
      NO_PREFIX,
      100,
    );
    expect(keysOf(next)).toEqual(["z"]);
    expect(next.hasNext).toBe(false);
    expect(next.hasPrevious).toBe(false);
  });

  test("Should not change the state it was given", () => {
    const before = page(["a"]);
    applyChanges(before, [set("b")], NO_PREFIX, 100);
    expect(keysOf(before)).toEqual(["a"]);
  });
});
