/**
 * The last ten minutes of the monitor's headline numbers, sampled in the
 * server every SAMPLE_INTERVAL_MS whether or not a page is open, so a page
 * opened now draws the past minutes too. A sample reads counters only
 * (Stats, the store's counter row, two PRAGMAs): no scan.
 */

import type { HistoryJson, HistorySampleJson } from "../../client/shared/api-types.ts";
import type { Stats } from "../stats.ts";
import type { Store } from "../store/store.ts";
import { commandTotal } from "./stats-snapshot.ts";

export const SAMPLE_INTERVAL_MS = 5000;
export const HISTORY_WINDOW_MS = 10 * 60 * 1000;
const MAX_SAMPLES = HISTORY_WINDOW_MS / SAMPLE_INTERVAL_MS;

interface Totals {
  atMs: number;
  commands: number;
  hits: number;
  lookups: number;
}

export class StatsHistory {
  private readonly samples: HistorySampleJson[] = [];
  private previous: Totals;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly store: Store,
    private readonly stats: Stats,
    private readonly now: () => number = Date.now,
  ) {
    this.previous = this.totals();
  }

  /** Samples now, then every SAMPLE_INTERVAL_MS until stop(); the timer never keeps the process alive. */
  start(): void {
    if (this.timer !== undefined) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_INTERVAL_MS);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  sample(): void {
    const totals = this.totals();
    const seconds = (totals.atMs - this.previous.atMs) / 1000;
    const lookups = totals.lookups - this.previous.lookups;
    // `stats reset` makes totals go down: count that interval as idle.
    const commands = Math.max(0, totals.commands - this.previous.commands);
    this.samples.push({
      atMs: totals.atMs,
      commandsPerSecond: seconds > 0 ? Math.round(commands / seconds) : 0,
      hitRatio: lookups > 0 ? Math.max(0, totals.hits - this.previous.hits) / lookups : null,
      items: this.store.itemCount,
      databaseBytes: this.store.fileSize,
    });
    if (this.samples.length > MAX_SAMPLES) this.samples.shift();
    this.previous = totals;
  }

  toJson(): HistoryJson {
    return {
      intervalMs: SAMPLE_INTERVAL_MS,
      windowMs: HISTORY_WINDOW_MS,
      nowMs: this.now(),
      samples: [...this.samples],
    };
  }

  private totals(): Totals {
    const counters = this.stats.counters;
    return {
      atMs: this.now(),
      commands: commandTotal(counters),
      hits: counters.get_hits,
      lookups: counters.get_hits + counters.get_misses,
    };
  }
}
