/**
 * Who may use litecached when --auth-file is given: the users, the lockout
 * of addresses that keep failing, and memcached's auth_cmds/auth_errors
 * counters. The memcached gates (ascii-auth-gate.ts, sasl-gate.ts) and the
 * monitor's Basic authentication all ask here, so a password is checked
 * one way everywhere.
 */
import type { Stats } from "../stats.ts";
import type { Credentials } from "./credentials.ts";
import { FailureLimiter } from "./failure-limiter.ts";

export type AuthResult = "ok" | "failed" | "locked_out";

/**
 * The check as the monitor asks it: asynchronous, because in the monitor's
 * worker thread the Access (and its lockouts, shared by both ports) is the
 * main thread's, a message away.
 */
export interface AccessCheck {
  authenticate(address: string, user: string, password: string): Promise<AuthResult>;
  isLockedOut(address: string): Promise<boolean>;
}

export class Access {
  readonly credentials: Credentials;
  readonly limiter: FailureLimiter;
  private readonly stats: Stats | undefined;

  constructor(credentials: Credentials, stats?: Stats, limiter = new FailureLimiter()) {
    this.credentials = credentials;
    this.stats = stats;
    this.limiter = limiter;
  }

  /**
   * Checks one attempt from `address`. "locked_out": the address failed too
   * often, now or before; the password was then not even looked at.
   */
  authenticate(
    address: string,
    user: Uint8Array | string,
    password: Uint8Array | string,
  ): AuthResult {
    if (this.limiter.isLockedOut(address)) return "locked_out";
    const counters = this.stats?.counters;
    if (counters !== undefined) counters.auth_cmds++;
    if (this.credentials.check(user, password)) return "ok";
    if (counters !== undefined) counters.auth_errors++;
    return this.limiter.recordFailure(address) ? "locked_out" : "failed";
  }

  isLockedOut(address: string): boolean {
    return this.limiter.isLockedOut(address);
  }
}
