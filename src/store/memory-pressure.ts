/**
 * Keeps the process's anonymous memory near what it holds. JavaScriptCore
 * collects garbage when the heap has grown by a share of its size, and the
 * memory tier's arena counts in that size: with a 64 MiB tier, a stream of
 * misses (each value read from SQLite is a fresh buffer, garbage once
 * answered) let anonymous memory climb past 250 MiB before a collection,
 * against about 100 MiB once collected. So ten times a second the process's
 * anonymous memory is read, and above the tier's budget plus a fixed
 * headroom a full collection runs (about 10 ms, under churn only: a
 * workload served from the tier makes little garbage).
 */
import { readFileSync } from "node:fs";

/** Reading /proc/self/status costs about 30 us: ten times a second is nothing. */
const CHECK_INTERVAL_MS = 100;
/** What the process holds beside the tier: the runtime, SQLite's page cache (8 MiB), buffers. */
export const BASELINE_HEADROOM_BYTES = 64 * 1024 * 1024;

export class MemoryPressure {
  private readonly limitBytes: number;
  private readonly timer: ReturnType<typeof setInterval>;
  /** Collections run because memory went over the limit. */
  collections = 0;

  constructor(tierBytes: number) {
    this.limitBytes = tierBytes + BASELINE_HEADROOM_BYTES;
    this.timer = setInterval(() => this.check(), CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  check(): void {
    if (anonymousBytes() <= this.limitBytes) return;
    Bun.gc(true);
    this.collections++;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** RssAnon from /proc (Linux); elsewhere the whole resident size, which overstates it. */
function anonymousBytes(): number {
  try {
    const status = readFileSync("/proc/self/status", "latin1");
    const kib = /^RssAnon:\s+(\d+) kB/m.exec(status)?.[1];
    if (kib !== undefined) return Number(kib) * 1024;
  } catch {
    // Not Linux: fall through.
  }
  return process.memoryUsage.rss();
}
