/**
 * The memory tier's doorkeeper: a key read from SQLite gets into the tier
 * on its second miss, not its first; a written key at once.
 */
import { describe, expect, test } from "bun:test";
import { Doorkeeper } from "../../src/store/doorkeeper.ts";
import { MemoryTier } from "../../src/store/memory-tier.ts";

const name = (index: number) => `key:${String(index).padStart(10, "0")}`;

describe("Doorkeeper", () => {
  test("Should let a key pass on its second sighting, not its first", () => {
    const doorkeeper = new Doorkeeper(1000);
    expect(doorkeeper.seenBefore(name(1))).toBe(false);
    expect(doorkeeper.seenBefore(name(1))).toBe(true);
    expect(doorkeeper.seenBefore(name(2))).toBe(false);
  });

  test("Should forget every key once it has marked a window's worth", () => {
    const window = 100;
    const doorkeeper = new Doorkeeper(window);
    doorkeeper.seenBefore(name(0));
    // A key that shares a marked bit marks nothing: count only new marks.
    let marks = 1;
    for (let index = 1; marks < window; index++) {
      if (!doorkeeper.seenBefore(name(1_000 + index))) marks++;
    }
    // The window's last mark cleared the set: the first key is a stranger again.
    expect(doorkeeper.seenBefore(name(0))).toBe(false);
  });

  test("Should let few strangers through when half its window is marked", () => {
    const window = 10_000;
    const doorkeeper = new Doorkeeper(window);
    for (let index = 0; index < window / 2; index++) doorkeeper.seenBefore(name(index));
    let passed = 0;
    const strangers = 1000;
    for (let index = 0; index < strangers; index++) {
      if (doorkeeper.seenBefore(name(1_000_000 + index))) passed++;
    }
    // Eight bits per key of the window: about 4% of strangers share a marked bit here.
    expect(passed).toBeLessThan(strangers / 10);
  });
});

describe("MemoryTier and its doorkeeper", () => {
  const value = new Uint8Array(100).fill(0x61);

  test("Should hold a key read from SQLite only once it was read twice", () => {
    const tier = new MemoryTier(1024 * 1024);
    tier.rememberRead(name(1), value, 0, 1);
    expect(tier.peek(name(1))).toBeUndefined();
    tier.rememberRead(name(1), value, 0, 1);
    expect(tier.peek(name(1))?.value).toEqual(value);
  });

  test("Should hold a written key at once", () => {
    const tier = new MemoryTier(1024 * 1024);
    tier.remember(name(2), value, 0, 2);
    expect(tier.peek(name(2))?.value).toEqual(value);
  });
});
