/**
 * The users of --auth-file and the one question asked of them: is this
 * user and password one of the entries? The check takes the same time
 * whichever part is wrong and wherever the entry is: both sides are hashed
 * to equal-length digests compared with timingSafeEqual, and every entry is
 * compared, without stopping at a match.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { AuthEntry } from "./auth-file.ts";

const DIGEST = "sha256";

function digest(bytes: Uint8Array): Buffer {
  return createHash(DIGEST).update(bytes).digest();
}

interface StoredEntry {
  user: Buffer;
  password: Buffer;
}

export class Credentials {
  private readonly entries: readonly StoredEntry[];

  constructor(entries: readonly AuthEntry[]) {
    // Only digests are kept: the passwords themselves never stay in memory
    // where a stats or page handler could reach them.
    this.entries = entries.map(({ user, password }) => ({
      user: digest(user),
      password: digest(password),
    }));
  }

  get userCount(): number {
    return this.entries.length;
  }

  check(user: Uint8Array | string, password: Uint8Array | string): boolean {
    const userDigest = digest(toBytes(user));
    const passwordDigest = digest(toBytes(password));
    let matched = false;
    for (const entry of this.entries) {
      const userMatches = timingSafeEqual(entry.user, userDigest);
      const passwordMatches = timingSafeEqual(entry.password, passwordDigest);
      // Non-short-circuit: both comparisons run for every entry.
      matched = (userMatches && passwordMatches) || matched;
    }
    return matched;
  }
}

function toBytes(value: Uint8Array | string): Uint8Array {
  return typeof value === "string" ? Buffer.from(value, "utf8") : value;
}
