/**
 * The item count and byte total (keys plus values), kept in memory by the
 * Store as it writes, instead of by triggers inside every SQLite write.
 *
 * Each write adds its change to the open batch; the batch's changes join
 * the committed totals when it commits and vanish when it fails, so the
 * figures always match what SQLite holds (the uncommitted batch included,
 * as reads inside it see it).
 *
 * After an unclean stop the totals saved in the database may be stale. The
 * count is then taken again at startup (count(*) walks the key index: about
 * 30 ms at a million keys), and the bytes by a scan in small slices off the
 * startup path (reading every value's length reads the whole table: about a
 * second at a million 1 KiB values). Until that scan ends, `bytes` is the
 * saved figure plus the changes since startup. The scan walks keys in
 * order; a write behind its cursor changes the scanned total, a write ahead
 * of it is seen by the scan itself.
 */

export interface Totals {
  count: number;
  bytes: number;
}

export class ItemCounters {
  private committedCount: number;
  private committedBytes: number;
  private pendingCount = 0;
  private pendingBytes = 0;
  /** Set while the byte total is being rebuilt: the last key scanned (empty before the first). */
  private scanCursor: Uint8Array | undefined;
  private committedScanned = 0;
  private pendingScanned = 0;

  constructor(saved: Totals, rebuildBytes: boolean) {
    this.committedCount = saved.count;
    this.committedBytes = saved.bytes;
    if (rebuildBytes) this.scanCursor = new Uint8Array(0);
  }

  get count(): number {
    return this.committedCount + this.pendingCount;
  }

  get bytes(): number {
    return this.committedBytes + this.pendingBytes;
  }

  /** True while the byte total is approximate (a rebuild is under way). */
  get rebuilding(): boolean {
    return this.scanCursor !== undefined;
  }

  /** Where the rebuild scan goes on from (keys strictly after it), if one runs. */
  get rebuildCursor(): Uint8Array | undefined {
    return this.scanCursor;
  }

  /** A write in the open batch: `key` gained or lost items and bytes. */
  change(key: Uint8Array, countDelta: number, bytesDelta: number): void {
    this.pendingCount += countDelta;
    this.pendingBytes += bytesDelta;
    if (this.scanCursor !== undefined && compareBytes(key, this.scanCursor) <= 0) {
      this.pendingScanned += bytesDelta;
    }
  }

  /** flush_all in the open batch: nothing is left, scanned or not. */
  clear(): void {
    this.pendingCount = -this.committedCount;
    this.pendingBytes = -this.committedBytes;
    this.pendingScanned = -this.committedScanned;
  }

  batchCommitted(): void {
    this.committedCount += this.pendingCount;
    this.committedBytes += this.pendingBytes;
    this.committedScanned += this.pendingScanned;
    this.batchFailed();
  }

  batchFailed(): void {
    this.pendingCount = 0;
    this.pendingBytes = 0;
    this.pendingScanned = 0;
  }

  /**
   * One slice of the rebuild scan, read from committed state (no batch open):
   * the sizes of the keys after the cursor, up to `lastKey`. An empty slice
   * ends the scan, and the scanned total becomes the byte total.
   */
  scanned(lastKey: Uint8Array | undefined, bytes: number): void {
    if (this.scanCursor === undefined) return;
    if (lastKey === undefined) {
      this.committedBytes = this.committedScanned;
      this.scanCursor = undefined;
      return;
    }
    this.committedScanned += bytes;
    this.scanCursor = lastKey;
  }
}

/** Byte-wise order, as SQLite compares BLOBs. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const difference = (a[index] as number) - (b[index] as number);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}
