/**
 * The session factory when --auth-file is given: each client's protocol
 * session (chosen by its first byte, as always) behind its gate, so that
 * nothing reaches the command core before the client authenticated. An
 * address locked out for repeated failures gets no session: it is closed.
 */
import { Magic } from "../protocol/binary/constants.ts";
import { BinarySession } from "../protocol/binary/session.ts";
import type { ReplyBuffer } from "../protocol/reply-buffer.ts";
import type { ProtocolSession, SessionState } from "../protocol/session.ts";
import { TextSession } from "../protocol/text/session.ts";
import type { SessionFactory } from "../tcp/connection.ts";
import type { Access } from "./access.ts";
import { AsciiAuthGate } from "./ascii-auth-gate.ts";
import { SaslGate } from "./sasl-gate.ts";

export function authenticatingSessions(access: Access): SessionFactory {
  return (firstByte, core, address) => {
    if (access.isLockedOut(address)) return new ClosedSession();
    return firstByte === Magic.REQUEST
      ? new SaslGate(new BinarySession(core), access, address)
      : new AsciiAuthGate(new TextSession(core), access, address);
  };
}

/** For a locked-out address: closes the connection without reading or answering. */
class ClosedSession implements ProtocolSession {
  push(): void {}
  run(_out: ReplyBuffer, _limit: number): SessionState {
    return "close";
  }
  commitFailureReply(): Uint8Array {
    return new Uint8Array(0);
  }
}
