/**
 * What the meta protocol knows about an item besides its bytes: whether it
 * was fetched, when it was last accessed, whether it was invalidated
 * (stale) and whether a client already won the right to recache it.
 *
 * memcached keeps these as item header bits; litecached keeps them in
 * memory only (README, "Protocol"): they are hints for cache clients, not
 * data, so they are not worth a SQLite write per read. Tracking starts with
 * the first meta command a server sees, so classic-only traffic pays
 * nothing for it; at most MAX_TRACKED_ITEMS keys are remembered, the least
 * recently touched being forgotten first (a forgotten item reads as never
 * fetched, not stale, last accessed when tracking started).
 */

/** About 100 bytes each: at most ~10 MiB of states. */
export const MAX_TRACKED_ITEMS = 100_000;

export interface ItemState {
  fetched: boolean;
  lastAccessMs: number;
  stale: boolean;
  tokenSent: boolean;
}

export class ItemStates {
  private readonly states = new Map<string, ItemState>();
  private trackingSinceMs: number | undefined;
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** Meta commands need the states: start keeping them (idempotent). */
  startTracking(): void {
    this.trackingSinceMs ??= this.now();
  }

  get tracking(): boolean {
    return this.trackingSinceMs !== undefined;
  }

  /** The item's state (a fresh one if it was never seen); undefined while not tracking. */
  peek(key: Uint8Array): ItemState | undefined {
    if (this.trackingSinceMs === undefined) return undefined;
    return (
      this.states.get(keyName(key)) ?? {
        fetched: false,
        lastAccessMs: this.trackingSinceMs,
        stale: false,
        tokenSent: false,
      }
    );
  }

  /** Keeps `state` as the item's newest state. */
  save(key: Uint8Array, state: ItemState): void {
    if (this.trackingSinceMs === undefined) return;
    const name = keyName(key);
    // Re-inserting moves the key to the end: the Map's order is recency.
    this.states.delete(name);
    this.states.set(name, state);
    if (this.states.size > MAX_TRACKED_ITEMS) {
      const oldest = this.states.keys().next().value;
      if (oldest !== undefined) this.states.delete(oldest);
    }
  }

  /** A fetch (get, mg without `u`): the item is now fetched and accessed. */
  noteFetch(key: Uint8Array): void {
    const state = this.peek(key);
    if (state === undefined) return;
    this.save(key, { ...state, fetched: true, lastAccessMs: this.now() });
  }

  /** A new value: a new item, never fetched, not stale. */
  noteStore(key: Uint8Array): void {
    if (this.trackingSinceMs === undefined) return;
    this.save(key, { fetched: false, lastAccessMs: this.now(), stale: false, tokenSent: false });
  }

  forget(key: Uint8Array): void {
    if (this.trackingSinceMs !== undefined) this.states.delete(keyName(key));
  }

  forgetAll(): void {
    this.states.clear();
  }

  /** Whole seconds since the item was last accessed. */
  secondsSince(state: ItemState): number {
    return Math.max(0, Math.floor((this.now() - state.lastAccessMs) / 1000));
  }
}

/** A Map key for a byte string: Latin-1 maps each byte to one distinct character. */
function keyName(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");
}
