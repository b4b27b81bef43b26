/**
 * The memory tier: hot items held in process, within a byte budget, in
 * front of SQLite. It only ever holds what SQLite has committed: the Store
 * drops a key from it when a write to that key begins and puts the new item
 * back once the write's commit succeeded (or fills it from a read of
 * committed rows).
 *
 * Values live in one arena (an ArrayBuffer of the budget's size) written as
 * a circular log, not in an ArrayBuffer each: values evicted one by one
 * would be garbage the collector frees late (measured: a 64 MiB tier of
 * 1 KiB values under churn reached 350 MiB of anonymous memory), while the
 * arena never grows. Each entry is charged its key, its value and
 * ENTRY_OVERHEAD_BYTES for its bookkeeping, and the charges never exceed
 * the budget.
 *
 * Eviction is FIFO with promotion, a CLOCK variant suited to a log: new
 * entries are appended at the head and the oldest leave at the tail, and a
 * hit on an entry in the older half of the log copies it to the head, so a
 * hot entry never reaches the tail. A hit costs one Map lookup and a
 * comparison (true LRU would reorder on every hit; S3-FIFO's extra queues
 * buy scan resistance that a cache of a durable store needs less: a miss
 * costs one SQLite read, not a recomputation). Items read from SQLite come
 * in through a doorkeeper (doorkeeper.ts), on their second miss: on the
 * bench's 90/10 load over ten times the budget it cut server CPU per op
 * from 22–29 to 19 µs, for a hit ratio of 5% instead of 8%.
 *
 * A value handed out is a view of the arena: it stays valid until the next
 * call that may write the tier (a lookup, a remember); callers copy it to
 * keep it longer.
 */
import { Doorkeeper } from "./doorkeeper.ts";
import type { Item } from "./store.ts";

/**
 * What an entry costs beyond its key and value bytes: the Map slot, the
 * entry object and the key string's header (measured with 55,000 entries:
 * about 150 bytes each, rounded up).
 */
export const ENTRY_OVERHEAD_BYTES = 160;

/** One item may take at most this fraction (1/n) of the budget, so one large value cannot empty the tier. */
const MAX_ITEM_SHARE = 8;

/** Keys a full tier holds, about, for sizing the doorkeeper: values of about 1 KiB. */
const TYPICAL_ENTRY_BYTES = 1024 + ENTRY_OVERHEAD_BYTES;

/** Entries appended within this share of the budget's latest bytes are not promoted on a hit. */
const PROMOTION_AGE_SHARE = 0.5;

/**
 * An entry is the Item a hit returns (no object is made per hit): its
 * value is a view of the arena, made once when the entry is appended.
 */
interface TierEntry extends Item {
  readonly name: string;
  /** Where the value sits in the arena, and its length. */
  offset: number;
  readonly length: number;
  /** Bytes charged against the budget. */
  readonly charge: number;
  /** The log position (total charge appended before it): its age. */
  position: number;
  /** Forgotten or moved: its arena bytes wait for the tail to pass them (or a rewrite). */
  dead: boolean;
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
  /** Dead entries still in the log, by name, for a rewrite of the same length to reuse. */
  private readonly ghosts = new Map<string, TierEntry>();
  /** The log in arena order, oldest first from `front` (dead entries included). */
  private log: TierEntry[] = [];
  private front = 0;
  private arena: Uint8Array | undefined;
  /** Where the next value goes in the arena. */
  private head = 0;
  /** Total charge ever appended: the log position of the next entry. */
  private appended = 0;
  private usedBytes = 0;
  /**
   * The charge of every entry still in the log, dead ones included: this,
   * not the live charge, must fit the budget, or dead entries (a key written
   * again and again) would pile up in the log.
   */
  private loggedBytes = 0;
  private readonly doorkeeper: Doorkeeper;
  hits = 0;
  misses = 0;
  evictions = 0;

  constructor(limitBytes: number) {
    this.limitBytes = limitBytes;
    this.doorkeeper = new Doorkeeper(limitBytes / TYPICAL_ENTRY_BYTES);
  }

  get bytes(): number {
    return this.usedBytes;
  }

  get size(): number {
    return this.entries.size;
  }

  /** A get: the item if held, counted as a hit or a miss. An old entry is moved to the head. */
  lookup(name: string): Item | undefined {
    let entry = this.entries.get(name);
    if (entry === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    if (this.appended - entry.position > this.limitBytes * PROMOTION_AGE_SHARE) {
      entry = this.promote(entry);
    }
    return entry;
  }

  /** The item if held, without counting or moving it (writes use it). */
  peek(name: string): Item | undefined {
    return this.entries.get(name);
  }

  /** The value length if held. */
  lengthOf(name: string): number | undefined {
    return this.entries.get(name)?.length;
  }

  /** Whether an item of this size would be held. */
  accepts(name: string, valueLength: number): boolean {
    return this.chargeOf(name, valueLength) <= this.limitBytes / MAX_ITEM_SHARE;
  }

  /** Holds a committed item (its value is copied into the arena). */
  remember(name: string, value: Uint8Array, flags: number, cas: number): void {
    this.forget(name);
    if (this.revive(name, value, flags, cas)) return;
    if (!this.accepts(name, value.length)) return;
    const entry = this.append(name, value.length, flags, cas);
    (this.arena as Uint8Array).set(value, entry.offset);
  }

  /**
   * Holds an item read from SQLite if the doorkeeper lets it in (its second
   * miss in a while, see doorkeeper.ts); a written item goes to remember().
   */
  rememberRead(name: string, value: Uint8Array, flags: number, cas: number): void {
    if (this.doorkeeper.seenBefore(name)) this.remember(name, value, flags, cas);
  }

  /**
   * A key written again with a value of the same length (a counter, a
   * fixed-size record) takes its old place in the log back instead of a new
   * one: otherwise every rewrite would leave a dead copy that takes budget
   * until the tail reaches it, and a load that rewrites its keys would evict
   * live entries for them.
   */
  private revive(name: string, value: Uint8Array, flags: number, cas: number): boolean {
    const ghost = this.ghosts.get(name);
    if (ghost === undefined) return false;
    this.ghosts.delete(name);
    if (ghost.length !== value.length) return false;
    ghost.value.set(value);
    ghost.flags = flags;
    ghost.cas = cas;
    ghost.dead = false;
    this.entries.set(name, ghost);
    this.usedBytes += ghost.charge;
    return true;
  }

  forget(name: string): void {
    const entry = this.entries.get(name);
    if (entry === undefined) return;
    this.entries.delete(name);
    this.usedBytes -= entry.charge;
    entry.dead = true;
    this.ghosts.set(name, entry);
  }

  clear(): void {
    this.entries.clear();
    this.ghosts.clear();
    this.log = [];
    this.front = 0;
    this.head = 0;
    this.usedBytes = 0;
    this.loggedBytes = 0;
  }

  private chargeOf(name: string, valueLength: number): number {
    return name.length + valueLength + ENTRY_OVERHEAD_BYTES;
  }

  /** Moves an entry found in the older half of the log to the head. */
  private promote(entry: TierEntry): TierEntry {
    this.forget(entry.name);
    // Its bytes stay in place until written over, and makeRoom writes nothing:
    // copyWithin moves them without a temporary copy.
    const moved = this.append(entry.name, entry.length, entry.flags, entry.cas);
    (this.arena as Uint8Array).copyWithin(moved.offset, entry.offset, entry.offset + entry.length);
    return moved;
  }

  /** Makes room for an entry of `length` value bytes and logs it; the caller writes the bytes. */
  private append(name: string, length: number, flags: number, cas: number): TierEntry {
    const charge = this.chargeOf(name, length);
    this.arena ??= new Uint8Array(this.limitBytes);
    const offset = this.makeRoom(length, charge);
    const entry: TierEntry = {
      name,
      value: this.arena.subarray(offset, offset + length),
      offset,
      length,
      flags,
      cas,
      charge,
      position: this.appended,
      dead: false,
    };
    this.head = offset + length;
    this.appended += charge;
    this.usedBytes += charge;
    this.loggedBytes += charge;
    this.entries.set(name, entry);
    this.log.push(entry);
    return entry;
  }

  /**
   * Evicts from the tail until `charge` fits the budget and `length` bytes
   * are free at the head (or, past the arena's end, at its start); returns
   * where the value goes.
   */
  private makeRoom(length: number, charge: number): number {
    for (;;) {
      if (this.loggedBytes + charge <= this.limitBytes) {
        const offset = this.freeOffset(length);
        if (offset !== undefined) return offset;
      }
      this.dropOldest();
    }
  }

  /** Where `length` bytes fit between the head and the tail, if they do. */
  private freeOffset(length: number): number | undefined {
    const oldest = this.log[this.front];
    const capacity = this.limitBytes;
    if (oldest === undefined) return length <= capacity ? 0 : undefined;
    const tail = oldest.offset;
    if (this.head > tail) {
      if (this.head + length <= capacity) return this.head;
      return length <= tail ? 0 : undefined;
    }
    return this.head + length <= tail ? this.head : undefined;
  }

  private dropOldest(): void {
    const oldest = this.log[this.front];
    if (oldest === undefined) throw new Error("memory tier: nothing left to evict");
    this.log[this.front] = undefined as unknown as TierEntry;
    this.front++;
    if (this.front === this.log.length) {
      this.log = [];
      this.front = 0;
    } else if (this.front > 1024 && this.front * 2 > this.log.length) {
      this.log = this.log.slice(this.front);
      this.front = 0;
    }
    this.loggedBytes -= oldest.charge;
    if (oldest.dead) {
      if (this.ghosts.get(oldest.name) === oldest) this.ghosts.delete(oldest.name);
      return;
    }
    this.entries.delete(oldest.name);
    this.usedBytes -= oldest.charge;
    oldest.dead = true;
    this.evictions++;
  }
}
