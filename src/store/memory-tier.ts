/**
 * The memory tier: hot items held in process, within a byte budget, in
 * front of SQLite. It only ever holds what SQLite has committed: the Store
 * drops a key from it when a write to that key begins and puts the new item
 * back once the write's commit succeeded (or fills it from a read of
 * committed rows).
 *
 * Eviction is CLOCK (second chance) over the Map's insertion order: a hit
 * only sets a flag, and the hand, walking from the oldest entry, gives a
 * flagged entry another round (moved to the back, flag cleared) and evicts
 * the first unflagged one. That approximates LRU at the cost of one Map
 * lookup per get; true LRU through Map order would delete and re-insert the
 * entry on every hit, which measured about 15% slower per get here, and
 * S3-FIFO's extra queues buy scan resistance that a cache of a durable
 * store needs less (a miss costs one SQLite read, not a recomputation).
 */
import type { Item } from "./store.ts";

/**
 * What an entry costs beyond its key and value bytes: the Map slot, the
 * entry object, the key string's header and the value's ArrayBuffer object.
 * Measured with a million entries (RSS growth over key and value bytes).
 */
export const ENTRY_OVERHEAD_BYTES = 160;

/** One item may take at most this fraction (1/n) of the budget, so one large value cannot empty the tier. */
const MAX_ITEM_SHARE = 8;

export interface TierEntry extends Item {
  /** Bytes charged against the budget. */
  readonly charge: number;
  /** Set by a hit; the clock hand clears it instead of evicting. */
  referenced: boolean;
}

const keyDecoder = new TextDecoder("latin1");

/**
 * The tier's Map key for a key's bytes. The "latin1" label decodes as
 * windows-1252, which still maps each byte to its own character, so two
 * different keys never share a name.
 */
export function keyName(key: Uint8Array): string {
  return keyDecoder.decode(key);
}

export class MemoryTier {
  readonly limitBytes: number;
  private readonly entries = new Map<string, TierEntry>();
  private hand: Iterator<[string, TierEntry]> | undefined;
  private usedBytes = 0;
  hits = 0;
  misses = 0;
  evictions = 0;

  constructor(limitBytes: number) {
    this.limitBytes = limitBytes;
  }

  get bytes(): number {
    return this.usedBytes;
  }

  get size(): number {
    return this.entries.size;
  }

  /** A get: the item if held (marked as used), counted as a hit or a miss. */
  lookup(name: string): TierEntry | undefined {
    const entry = this.entries.get(name);
    if (entry === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    entry.referenced = true;
    return entry;
  }

  /** The item if held, without counting or marking (writes use it for the old size). */
  peek(name: string): TierEntry | undefined {
    return this.entries.get(name);
  }

  /** Whether an item of this size would be held: none over an eighth of the budget is. */
  accepts(name: string, valueLength: number): boolean {
    return name.length + valueLength + ENTRY_OVERHEAD_BYTES <= this.limitBytes / MAX_ITEM_SHARE;
  }

  /** Holds a committed item; `value` must not change afterwards. */
  remember(name: string, value: Uint8Array, flags: number, cas: number): void {
    const charge = name.length + value.length + ENTRY_OVERHEAD_BYTES;
    this.forget(name);
    if (charge > this.limitBytes / MAX_ITEM_SHARE) return;
    this.entries.set(name, { value, flags, cas, charge, referenced: false });
    this.usedBytes += charge;
    if (this.usedBytes > this.limitBytes) this.evict();
  }

  forget(name: string): void {
    const entry = this.entries.get(name);
    if (entry === undefined) return;
    this.entries.delete(name);
    this.usedBytes -= entry.charge;
  }

  clear(): void {
    this.entries.clear();
    this.usedBytes = 0;
    this.hand = undefined;
  }

  /** Moves the clock hand until the tier fits its budget again. */
  private evict(): void {
    while (this.usedBytes > this.limitBytes) {
      this.hand ??= this.entries.entries();
      const next = this.hand.next();
      if (next.done === true) {
        this.hand = undefined;
        continue;
      }
      // A Map iterator skips entries deleted since it was made and reaches
      // those added at the back, so the hand goes round like a clock's.
      const [name, entry] = next.value;
      this.entries.delete(name);
      if (entry.referenced) {
        entry.referenced = false;
        this.entries.set(name, entry);
      } else {
        this.usedBytes -= entry.charge;
        this.evictions++;
      }
    }
  }
}
