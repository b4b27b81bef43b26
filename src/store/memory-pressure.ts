/**
 * Keeps the process's anonymous memory near what it holds. JavaScriptCore
 * lets garbage grow in proportion to the memory the process already holds
 * before it collects, so a 64 MiB tier lets about as much garbage again pile
 * up (values read from SQLite, socket chunks and replies are garbage once
 * answered): a stream of misses took anonymous memory past 250 MiB, against
 * about 100 MiB once collected. So ten times a second the process's
 * anonymous memory is read, and above the tier's budget plus a fixed
 * headroom a collection runs: an eden one (young objects only, a few ms),
 * and a full one (about 10 ms) at most once a second and a twentieth of the
 * time, since collecting fully again and again while a busy load keeps
 * memory high only burns the CPU the clients need (measured: 14% of it at a
 * 50% set load). Measured with a 64 MiB tier: 114 MiB live after seeding a
 * million keys, peaks of 165-200 MiB while garbage piles between
 * collections.
 */
import { edenGC } from "bun:jsc";
import { readFileSync } from "node:fs";

/** Reading /proc/self/statm takes about 10 us: ten times a second costs nothing. */
const CHECK_INTERVAL_MS = 100;
/** statm counts pages; 4 KiB on the x86-64 and most arm64 Linux this runs on. */
const PAGE_BYTES = 4096;
/** Full collections are at least this far apart, and at least COST_FACTOR times their own duration. */
const MIN_COLLECTION_INTERVAL_MS = 1000;
const COST_FACTOR = 20;
/** What the process holds beside the tier: the runtime, SQLite's page cache (8 MiB), buffers. */
export const BASELINE_HEADROOM_BYTES = 64 * 1024 * 1024;

export class MemoryPressure {
  private readonly limitBytes: number;
  private readonly timer: ReturnType<typeof setInterval>;
  private nextCollectionMs = 0;
  /** Full and eden collections run because memory went over the limit. */
  collections = 0;
  edenCollections = 0;

  constructor(tierBytes: number) {
    this.limitBytes = tierBytes + BASELINE_HEADROOM_BYTES;
    this.timer = setInterval(() => this.check(), CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  check(): void {
    if (anonymousBytes() <= this.limitBytes) return;
    const now = Date.now();
    // Most garbage here is young (socket chunks, values read, replies): an
    // eden collection frees it cheaply, so its memory is reused rather than
    // more taken. A full one, which also frees what lived a while, is rarer.
    if (now < this.nextCollectionMs) {
      edenGC();
      this.edenCollections++;
      return;
    }
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
