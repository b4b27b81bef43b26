/**
 * Committed changes on their way from the main thread to the monitor's
 * worker, gathered and posted at most every RELAY_INTERVAL_MS rather than
 * once per commit. Under a write flood a post per commit reaches the
 * worker faster than it takes them, and the worker then runs nothing but
 * message handlers: its event streams' flush and stats timers never fire
 * (measured: a stream open during 4 s of pipelined sets received nothing).
 *
 * In between, changes are coalesced per key as the feed does (events.ts:
 * the latest change of each key, a flush dropping what came before it),
 * and past MAX_PENDING_KEYS keys nothing more is kept: the post says
 * `incomplete` and the streams tell their pages to reload (the feed's
 * `resync`, which that many keys would cause anyway). So a flood costs
 * the memcached thread a bounded copy per interval.
 */

import { keyName } from "../store/memory-tier.ts";
import type { Change } from "../store/store.ts";
import { MAX_PENDING_KEYS } from "./events.ts";

/**
 * The feed's own flush interval: about one post per flush, so the worker
 * (short of CPU under a write flood, at its lower priority) takes each
 * key's change across once per flush, not once per commit.
 */
export const RELAY_INTERVAL_MS = 100;

export type RelayPost = (changes: Change[], incomplete: boolean) => void;

const FLUSH: Change = { type: "flush" };

export class ChangeRelay {
  private readonly latest = new Map<string, Change>();
  private flushed = false;
  private incomplete = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly post: RelayPost) {}

  add(changes: readonly Change[]): void {
    for (let index = 0; index < changes.length && !this.incomplete; index++) {
      this.keep(changes[index] as Change);
    }
    this.timer ??= setTimeout(() => this.send(), RELAY_INTERVAL_MS);
  }

  /** Drops what is waiting (the worker stopped watching). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.clear();
  }

  private keep(change: Change): void {
    if (change.type === "flush") {
      this.latest.clear();
      this.flushed = true;
      return;
    }
    const name = keyName(change.key);
    // Deleted first, so the key moves to the end: the order of its last change.
    this.latest.delete(name);
    this.latest.set(name, change);
    if (this.latest.size > MAX_PENDING_KEYS) {
      this.latest.clear();
      this.incomplete = true;
    }
  }

  private send(): void {
    this.timer = undefined;
    const changes = this.flushed ? [FLUSH, ...this.latest.values()] : [...this.latest.values()];
    const incomplete = this.incomplete;
    this.clear();
    this.post(changes, incomplete);
  }

  private clear(): void {
    this.latest.clear();
    this.flushed = false;
    this.incomplete = false;
  }
}
