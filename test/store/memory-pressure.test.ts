/**
 * The memory pressure check: a full collection when the process's anonymous
 * memory passes the tier's budget plus the headroom, none below it.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { BASELINE_HEADROOM_BYTES, MemoryPressure } from "../../src/store/memory-pressure.ts";

function anonymousBytes(): number {
  const kib = /^RssAnon:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "latin1"))?.[1];
  return Number(kib) * 1024;
}

describe("MemoryPressure", () => {
  test("Should collect garbage when anonymous memory is over the budget and headroom", () => {
    // Garbage enough to be over a budget of 0 whatever the test runner holds.
    let garbage: Uint8Array[] = [];
    for (let index = 0; index < 100; index++) garbage.push(new Uint8Array(1024 * 1024).fill(1));
    garbage = [];
    expect(anonymousBytes()).toBeGreaterThan(BASELINE_HEADROOM_BYTES);
    const pressure = new MemoryPressure(0);
    try {
      pressure.check();
      expect(pressure.collections).toBe(1);
    } finally {
      pressure.stop();
    }
    expect(garbage).toHaveLength(0);
  });

  test("Should run only eden collections within a second of a full one", () => {
    // A limit of 0 (a budget that cancels the headroom): always over it.
    const pressure = new MemoryPressure(-BASELINE_HEADROOM_BYTES);
    try {
      pressure.check();
      pressure.check();
      pressure.check();
      expect([pressure.collections, pressure.edenCollections]).toEqual([1, 2]);
    } finally {
      pressure.stop();
    }
  });

  test("Should leave the collector alone below the budget", () => {
    const pressure = new MemoryPressure(64 * 1024 ** 3);
    try {
      pressure.check();
      expect([pressure.collections, pressure.edenCollections]).toEqual([0, 0]);
    } finally {
      pressure.stop();
    }
  });
});
