/**
 * A small seeded PRNG (mulberry32) so that randomized tests can be
 * replayed: each test prints its seed, and rerunning it with that seed
 * (HARDENING_SEED=<n> for the hardening tests, LITECACHED_TEST_SEED=<n>
 * for the durability tests) makes the same choices.
 */

export class Random {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A seed from HARDENING_SEED, or a fresh one. */
  static seedFromEnvironment(): number {
    const fixed = process.env.HARDENING_SEED;
    if (fixed !== undefined && /^\d+$/.test(fixed)) return Number(fixed) >>> 0;
    return (Math.random() * 2 ** 32) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }

  /** An integer in [0, limit). */
  below(limit: number): number {
    return Math.floor(this.next() * limit);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)] as T;
  }

  bytes(length: number): Uint8Array {
    const bytes = new Uint8Array(length);
    for (let index = 0; index < length; index++) bytes[index] = this.below(256);
    return bytes;
  }
}
