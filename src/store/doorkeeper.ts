/**
 * The memory tier's doorkeeper (the first stage of TinyLFU): a key read
 * from SQLite is let into the tier only on its second miss within a recent
 * window, so a read load spread over far more keys than the tier holds
 * does not copy every value it reads into the tier and evict another for
 * it, when most will never be read again before they are evicted. Writes
 * do not pass through it: a key just written is held at once.
 *
 * It is a bit set indexed by a hash of the key, cleared once it has
 * marked as many keys as the window; a false positive (a key let in on
 * its first miss) costs only what the tier without a doorkeeper cost.
 */

/** Bits per key of the window: about one false positive in eight when full. */
const BITS_PER_KEY = 8;

export class Doorkeeper {
  private readonly bits: Uint32Array;
  private readonly mask: number;
  private readonly window: number;
  private marked = 0;

  /** `window`: keys marked before the set is cleared (about what the tier holds). */
  constructor(window: number) {
    this.window = Math.max(1, Math.floor(window));
    let bitCount = 32;
    while (bitCount < this.window * BITS_PER_KEY) bitCount *= 2;
    this.bits = new Uint32Array(bitCount / 32);
    this.mask = bitCount - 1;
  }

  /** True if `name` was marked since the last clear; marks it if not. */
  seenBefore(name: string): boolean {
    const bit = hashName(name) & this.mask;
    const word = bit >>> 5;
    const flag = 1 << (bit & 31);
    const words = this.bits;
    if (((words[word] as number) & flag) !== 0) return true;
    words[word] = (words[word] as number) | flag;
    if (++this.marked >= this.window) {
      words.fill(0);
      this.marked = 0;
    }
    return false;
  }
}

/** FNV-1a over the name's characters (each one byte of the key). */
function hashName(name: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < name.length; index++) {
    hash = Math.imul(hash ^ name.charCodeAt(index), 0x01000193);
  }
  return hash >>> 0;
}
