/**
 * Repeated authentication failures from one address lock that address out
 * for a while: its new memcached connections are closed at once, its open
 * ones are closed at their next failure, and the monitor answers it 429.
 * Guessing passwords from one address then costs minutes per handful of
 * guesses instead of thousands per second. Successes do not clear the
 * count: a user who knows one password must not reset the lockout while
 * guessing another.
 */

/** Failures from one address within the window that lock it out. */
export const MAX_FAILURES = 10;
/** How long failures are remembered, and how long a lockout lasts. */
export const FAILURE_WINDOW_MS = 60_000;
/** Addresses tracked at most: beyond, the oldest is forgotten (bounded memory under a flood). */
export const MAX_TRACKED_ADDRESSES = 10_000;

export class FailureLimiter {
  /** Each address's failure times, oldest first, within the window. */
  private readonly failures = new Map<string, number[]>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** Notes a failure; true if the address is now locked out. */
  recordFailure(address: string): boolean {
    const times = this.recent(address);
    times.push(this.now());
    this.failures.delete(address);
    this.failures.set(address, times);
    if (this.failures.size > MAX_TRACKED_ADDRESSES) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    return times.length >= MAX_FAILURES;
  }

  isLockedOut(address: string): boolean {
    return this.recent(address).length >= MAX_FAILURES;
  }

  private recent(address: string): number[] {
    const times = this.failures.get(address);
    if (times === undefined) return [];
    const since = this.now() - FAILURE_WINDOW_MS;
    while (times.length > 0 && (times[0] as number) <= since) times.shift();
    if (times.length === 0) this.failures.delete(address);
    return times;
  }
}
