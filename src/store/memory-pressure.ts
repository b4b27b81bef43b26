/**
 * Keeps the process's anonymous memory near what it holds. JavaScriptCore
 * collects garbage when the heap has grown by a share of its size, and the
 * memory tier's arena counts in that size: with a 64 MiB tier, a stream of
 * misses (each value read from SQLite is a fresh buffer, garbage once
 * answered) let anonymous memory climb past 250 MiB before a collection,
 * against about 100 MiB once collected. So ten times a second, if values were
 * allocated meanwhile, the process's anonymous memory is read, and above the tier's budget plus a fixed
 * headroom a full collection runs (about 10 ms, under churn only: a
 * workload served from the tier makes little garbage).
 */
import { readFileSync } from "node:fs";

const CHECK_INTERVAL_MS = 100;
/**
 * Reading /proc/self/status costs up to half a millisecond here: it is read
 * only after this many bytes of values were allocated (read from SQLite,
 * copied) since the last reading, so a load served from the tier never pays it.
 */
const CHECK_AFTER_ALLOCATED_BYTES = 4 * 1024 * 1024;
/** What the process holds beside the tier: the runtime, SQLite's page cache (8 MiB), buffers. */
export const BASELINE_HEADROOM_BYTES = 64 * 1024 * 1024;

export class MemoryPressure {
  private readonly limitBytes: number;
  private readonly timer: ReturnType<typeof setInterval>;
  private allocatedBytes = 0;
  /** Collections run because memory went over the limit. */
  collections = 0;

  constructor(tierBytes: number) {
    this.limitBytes = tierBytes + BASELINE_HEADROOM_BYTES;
    this.timer = setInterval(() => this.checkIfAllocated(), CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  /** Bytes of garbage-to-be just allocated (a value read from SQLite, a copy). */
  noteAllocated(bytes: number): void {
    this.allocatedBytes += bytes;
  }

  private checkIfAllocated(): void {
    if (this.allocatedBytes < CHECK_AFTER_ALLOCATED_BYTES) return;
    this.allocatedBytes = 0;
    this.check();
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
