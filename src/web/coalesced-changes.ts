/**
 * Store changes gathered between two sends, for the monitor's two stages
 * (the main thread's relay to the worker, change-relay.ts, and the event
 * stream feed, events.ts): only the latest change of each key is kept, in
 * the order of those changes, and a flush drops everything before it. Past
 * MAX_PENDING_KEYS keys nothing more is kept and the batch is marked
 * incomplete: the pages watching are told to reload instead, which a flood
 * of that size would make them do anyway.
 */
import { keyName } from "../store/memory-tier.ts";
import type { Change } from "../store/store.ts";

/** Coalesced keys that may wait for the next send before the batch is given up as incomplete. */
export const MAX_PENDING_KEYS = 500;

export type KeyChange = Exclude<Change, { type: "flush" }>;

export interface ChangeBatch {
  /** A flush came first: every earlier change is gone. */
  flushed: boolean;
  /** The latest change of each key, in the order of those changes. */
  changes: KeyChange[];
  /** Changes were left out: more keys than MAX_PENDING_KEYS, or some lost on the way. */
  incomplete: boolean;
}

export class CoalescedChanges {
  private readonly latest = new Map<string, KeyChange>();
  private flushed = false;
  private incompleteBatch = false;

  /** True once changes were left out: the rest need not be added. */
  get incomplete(): boolean {
    return this.incompleteBatch;
  }

  add(changes: readonly Change[]): void {
    for (let index = 0; index < changes.length && !this.incompleteBatch; index++) {
      const change = changes[index] as Change;
      if (change.type === "flush") {
        this.latest.clear();
        this.flushed = true;
        continue;
      }
      const name = keyName(change.key);
      // Deleted first, so the key moves to the end: the order of its last change.
      this.latest.delete(name);
      this.latest.set(name, change);
      if (this.latest.size > MAX_PENDING_KEYS) this.markIncomplete();
    }
  }

  /** Changes were lost before they got here (the relay gave up): drop the rest too. */
  markIncomplete(): void {
    this.latest.clear();
    this.incompleteBatch = true;
  }

  /** What was gathered, which is then forgotten. */
  take(): ChangeBatch {
    const batch = {
      flushed: this.flushed,
      changes: [...this.latest.values()],
      incomplete: this.incompleteBatch,
    };
    this.clear();
    return batch;
  }

  clear(): void {
    this.latest.clear();
    this.flushed = false;
    this.incompleteBatch = false;
  }
}
