import { describe, expect, test } from "bun:test";
import { type ShownPage, touchesPage } from "../../client/live-range.ts";
import type { ChangeJson } from "../../client/shared/api-types.ts";

const set = (key: string): ChangeJson => ({
  type: "set",
  key,
  size: 1,
  flags: 0,
  cas: 1,
  modified: 0,
});
const remove = (key: string): ChangeJson => ({ type: "delete", key });
const page = (keys: string[], hasPrevious = false, hasNext = false, prefix = ""): ShownPage => ({
  prefix: new TextEncoder().encode(prefix),
  keys,
  hasPrevious,
  hasNext,
});

describe("touchesPage", () => {
  test("Should refresh for a key set or deleted inside the page's range", () => {
    const middle = page(["m", "p"], true, true);
    expect(touchesPage([set("n")], middle)).toBe(true);
    expect(touchesPage([remove("m")], middle)).toBe(true);
  });

  test("Should ignore keys beyond an edge that has a neighbouring page", () => {
    const middle = page(["m", "p"], true, true);
    expect(touchesPage([set("a"), set("z"), remove("%FF")], middle)).toBe(false);
  });

  test("Should take keys past the first and last page's open edges", () => {
    expect(touchesPage([set("a")], page(["m", "p"], false, true))).toBe(true);
    expect(touchesPage([set("z")], page(["m", "p"], true, false))).toBe(true);
  });

  test("Should ignore keys outside the prefix, even on an empty page", () => {
    expect(touchesPage([set("other")], page([], false, false, "user:"))).toBe(false);
    expect(touchesPage([set("user:1")], page([], false, false, "user:"))).toBe(true);
  });

  test("Should refresh after a flush", () => {
    expect(touchesPage([{ type: "flush" }], page(["a"], true, true))).toBe(true);
  });
});
