/**
 * The contract between a connection and a protocol front end. The
 * connection (src/tcp/connection.ts) moves bytes and decides when replies
 * may leave; the session turns the client's bytes into replies through the
 * command core. The first byte a client sends picks its session (0x80:
 * binary; anything else: text, which carries meta commands too).
 */
import type { ReplyBuffer } from "./reply-buffer.ts";

/** Why `run` stopped. */
export type SessionState =
  /** Every complete request is answered: wait for more bytes. */
  | "idle"
  /** The replies reached the limit: call `run` again once the client has read. */
  | "full"
  /** Close the connection once the replies written so far are sent. */
  | "close";

export interface ProtocolSession {
  /** Bytes from the client, in order, split anywhere. */
  push(chunk: Uint8Array): void;
  /**
   * Answers complete requests into `out` until none is left, `out` holds
   * at least `limit` bytes, or the client must be disconnected. A request
   * too large to answer within the limit is answered in parts over several
   * calls (a multiget of many large values).
   */
  run(out: ReplyBuffer, limit: number): SessionState;
  /** The reply that replaces each acknowledgement whose group commit failed. */
  commitFailureReply(error: Error): Uint8Array;
}
