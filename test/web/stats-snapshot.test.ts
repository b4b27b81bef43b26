import { describe, expect, test } from "bun:test";
import { Stats } from "../../src/stats.ts";
import { CommandRate, commandTotal, hitRatio } from "../../src/web/stats-snapshot.ts";

describe("CommandRate", () => {
  test("Should report commands per second between reads at least a second apart", () => {
    let now = 10_000;
    const rate = new CommandRate(() => now);
    expect(rate.read(0)).toBe(0);
    now += 500;
    expect(rate.read(400)).toBe(0);
    now += 500;
    expect(rate.read(1000)).toBe(1000);
    now += 2000;
    expect(rate.read(5000)).toBe(2000);
  });

  test("Should report 0, not a negative rate, after stats reset", () => {
    let now = 0;
    const rate = new CommandRate(() => now);
    rate.read(500);
    now = 1000;
    expect(rate.read(0)).toBe(0);
  });
});

describe("commandTotal and hitRatio", () => {
  test("Should count every command counter once", () => {
    const stats = new Stats();
    stats.counters.cmd_get = 5;
    stats.counters.cmd_set = 3;
    stats.counters.delete_hits = 1;
    stats.counters.incr_misses = 2;
    stats.counters.get_hits = 4;
    expect(commandTotal(stats.counters)).toBe(11);
  });

  test("Should give hits over lookups, and null before any lookup", () => {
    const stats = new Stats();
    expect(hitRatio(stats.counters)).toBeNull();
    stats.counters.get_hits = 9;
    stats.counters.get_misses = 1;
    expect(hitRatio(stats.counters)).toBe(0.9);
  });
});
