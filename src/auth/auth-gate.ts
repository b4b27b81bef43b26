/**
 * What both authentication gates share (ascii-auth-gate.ts for the text
 * protocol, sasl-gate.ts for the binary one): in front of a protocol
 * session, the client's bytes are held and read by the gate until it
 * authenticates; then the bytes after the handshake, and every later
 * byte, go to the session, which never sees an unauthenticated request.
 */
import type { ReplyBuffer } from "../protocol/reply-buffer.ts";
import type { ProtocolSession, SessionState } from "../protocol/session.ts";
import type { Access } from "./access.ts";

export abstract class AuthGate implements ProtocolSession {
  protected readonly inner: ProtocolSession;
  protected readonly access: Access;
  /** The client's address, for the failure limiter. */
  protected readonly address: string;
  protected authenticated = false;
  /** Bytes not yet used, before authentication. */
  protected pending = new Uint8Array(0);

  constructor(inner: ProtocolSession, access: Access, address: string) {
    this.inner = inner;
    this.access = access;
    this.address = address;
  }

  push(chunk: Uint8Array): void {
    if (this.authenticated) {
      this.inner.push(chunk);
      return;
    }
    const joined = new Uint8Array(this.pending.length + chunk.length);
    joined.set(this.pending);
    joined.set(chunk, this.pending.length);
    this.pending = joined;
  }

  abstract run(out: ReplyBuffer, limit: number): SessionState;

  commitFailureReply(error: Error): Uint8Array {
    return this.inner.commitFailureReply(error);
  }

  /** The client authenticated: from now on the session gets its bytes, the unread ones first. */
  protected open(): void {
    this.authenticated = true;
    const rest = this.pending;
    this.pending = new Uint8Array(0);
    if (rest.length > 0) this.inner.push(rest);
  }
}
