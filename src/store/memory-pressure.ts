/**
 * Keeps the process's anonymous memory near what it holds. JavaScriptCore
 * lets garbage grow in proportion to the memory the process already holds
 * before it collects, so a 64 MiB tier lets about as much garbage again pile
 * up (values read from SQLite, socket chunks and replies are garbage once
 * answered): a stream of misses took anonymous memory past 250 MiB, against
 * about 100 MiB once collected. So ten times a second the process's
 * anonymous memory is read, and above the tier's budget plus a fixed
 * headroom a full collection runs (about 10 ms). At most four a second, and
 * never more than a twentieth of the time: when memory stays high after one
 * (a busy write load keeps it there), collecting again and again would only
 * burn the CPU the clients need (measured: 14% of it at a 50% set load).
 */
import { readFileSync } from "node:fs";

/** Reading /proc/self/statm takes about 10 us: ten times a second costs nothing. */
const CHECK_INTERVAL_MS = 100;
/** statm counts pages; 4 KiB on the x86-64 and most arm64 Linux this runs on. */
const PAGE_BYTES = 4096;
/** Collections are at least this far apart, and at least COST_FACTOR times their own duration. */
const MIN_COLLECTION_INTERVAL_MS = 250;
const COST_FACTOR = 20;
/** What the process holds beside the tier: the runtime, SQLite's page cache (8 MiB), buffers. */
export const BASELINE_HEADROOM_BYTES = 64 * 1024 * 1024;

export class MemoryPressure {
  private readonly limitBytes: number;
  private readonly timer: ReturnType<typeof setInterval>;
  private nextCollectionMs = 0;
  /** Collections run because memory went over the limit. */
  collections = 0;

  constructor(tierBytes: number) {
    this.limitBytes = tierBytes + BASELINE_HEADROOM_BYTES;
    this.timer = setInterval(() => this.check(), CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  check(): void {
    const now = Date.now();
    if (now < this.nextCollectionMs || anonymousBytes() <= this.limitBytes) return;
    const started = performance.now();
    Bun.gc(true);
    const tookMs = performance.now() - started;
    this.collections++;
    this.nextCollectionMs = now + Math.max(MIN_COLLECTION_INTERVAL_MS, tookMs * COST_FACTOR);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * Resident pages that are not shared (file-backed or shared memory), from
 * /proc/self/statm: RssAnon on Linux. Elsewhere the whole resident size,
 * which overstates it.
 */
function anonymousBytes(): number {
  try {
    const [, resident, shared] = readFileSync("/proc/self/statm", "latin1").split(" ");
    return (Number(resident) - Number(shared)) * PAGE_BYTES;
  } catch {
    return process.memoryUsage.rss();
  }
}
