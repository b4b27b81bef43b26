/**
 * Committed changes on their way from the main thread to the monitor's
 * worker, gathered and posted at most every RELAY_INTERVAL_MS rather than
 * once per commit. Under a write flood a post per commit reaches the
 * worker faster than it takes them, and the worker then runs nothing but
 * message handlers: its event streams' flush and stats timers never fire
 * (measured: a stream open during 4 s of pipelined sets received nothing).
 *
 * In between, changes are coalesced per key as the feed does
 * (coalesced-changes.ts), and past its limit nothing more is kept: the post
 * says `incomplete` and the streams tell their pages to reload (the feed's
 * `resync`). So a flood costs the memcached thread a bounded copy per
 * interval.
 */

import type { Change } from "../store/store.ts";
import { CoalescedChanges } from "./coalesced-changes.ts";

/**
 * The feed's own flush interval: about one post per flush, so the worker
 * (short of CPU under a write flood, at its lower priority) takes each
 * key's change across once per flush, not once per commit.
 */
export const RELAY_INTERVAL_MS = 100;

export type RelayPost = (changes: Change[], incomplete: boolean) => void;

const FLUSH: Change = { type: "flush" };

export class ChangeRelay {
  private readonly gathered = new CoalescedChanges();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly post: RelayPost) {}

  add(changes: readonly Change[]): void {
    this.gathered.add(changes);
    this.timer ??= setTimeout(() => this.send(), RELAY_INTERVAL_MS);
  }

  /** Drops what is waiting (the worker stopped watching). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.gathered.clear();
  }

  private send(): void {
    this.timer = undefined;
    const { flushed, changes, incomplete } = this.gathered.take();
    this.post(flushed ? [FLUSH, ...changes] : changes, incomplete);
  }
}
