/**
 * SASL PLAIN on the binary protocol, in front of a binary session, checked
 * against the --auth-file users. Until the client authenticates, as
 * memcached 1.6.18's proto_bin.c with SASL on:
 * - SASL list mechs (0x20) answers "PLAIN";
 * - SASL auth (0x21) with mechanism PLAIN and `authzid\0user\0password`
 *   answers "Authenticated", or status 0x20 "Auth failure." (the connection
 *   stays open for another try); an empty PLAIN auth answers 0x21 "continue"
 *   and the data then comes in SASL step (0x22);
 * - Version is answered (clients ask it before authenticating);
 * - any other command answers 0x20 "Auth failure." and closes.
 * Frames are read here only until then: afterwards every byte goes to the
 * binary session, which never sees an unauthenticated request. (memcached
 * lets an authenticated client authenticate again; here the SASL opcodes
 * are then "Unknown command".)
 */
import {
  HEADER_LENGTH,
  HeaderOffset,
  Magic,
  Opcode,
  READ_BUFFER_LENGTH,
  Status,
  type StatusValue,
} from "../protocol/binary/constants.ts";
import { encodeError, writeResponse } from "../protocol/binary/encoder.ts";
import type { ReplyBuffer } from "../protocol/reply-buffer.ts";
import type { SessionState } from "../protocol/session.ts";
import { AuthGate } from "./auth-gate.ts";

export const MECHANISMS = "PLAIN";
/** memcached's MAX_SASL_MECH_LEN: a longer mechanism name is refused. */
const MAX_MECHANISM_LENGTH = 32;
/** Largest SASL data accepted; PLAIN needs a user and a password, not megabytes. */
const MAX_SASL_DATA = 4096;
const NUL = 0x00;
const encoder = new TextEncoder();
const AUTHENTICATED = encoder.encode("Authenticated");

type Step = "wait" | "answered" | "authenticated" | "close";

export class SaslGate extends AuthGate {
  /** A PLAIN auth without data was answered "continue": its data comes in SASL step. */
  private started = false;

  run(out: ReplyBuffer, limit: number): SessionState {
    while (!this.authenticated) {
      if (out.byteLength > limit) return "full";
      const step = this.step(out, limit);
      if (step === "wait") return "idle";
      if (step === "close") return "close";
      if (step === "authenticated") this.open();
    }
    return this.inner.run(out, limit);
  }

  private step(out: ReplyBuffer, limit: number): Step {
    const pending = this.pending;
    if (pending.length < HEADER_LENGTH) return "wait";
    // A wrong magic byte closes without a reply, as the binary session does.
    if (pending[HeaderOffset.MAGIC] !== Magic.REQUEST) return "close";
    const view = new DataView(pending.buffer, pending.byteOffset, HEADER_LENGTH);
    const opcode = view.getUint8(HeaderOffset.OPCODE);
    const keyLength = view.getUint16(HeaderOffset.KEY_LENGTH);
    const extrasLength = view.getUint8(HeaderOffset.EXTRAS_LENGTH);
    const bodyLength = view.getUint32(HeaderOffset.BODY_LENGTH);
    const opaque = view.getUint32(HeaderOffset.OPAQUE);
    const headLength = HEADER_LENGTH + extrasLength + keyLength;
    if (headLength > READ_BUFFER_LENGTH) return "close";
    if (pending.length < headLength) return "wait";
    const fail = (status: StatusValue): Step => {
      out.writeBytes(encodeError(opcode, opaque, status));
      return "close";
    };
    if (keyLength + extrasLength > bodyLength) return fail(Status.UNKNOWN_COMMAND);
    switch (opcode) {
      case Opcode.VERSION: {
        // The binary session answers it (and refuses a malformed one) as always.
        this.pending = pending.subarray(headLength);
        this.inner.push(pending.subarray(0, headLength));
        return this.inner.run(out, limit) === "close" ? "close" : "answered";
      }
      case Opcode.SASL_LIST_MECHS:
        if (keyLength !== 0 || extrasLength !== 0 || bodyLength !== 0) {
          return fail(Status.INVALID_ARGUMENTS);
        }
        this.pending = pending.subarray(headLength);
        writeResponse(out, { opcode, opaque, value: encoder.encode(MECHANISMS) });
        return "answered";
      case Opcode.SASL_AUTH:
      case Opcode.SASL_STEP: {
        if (extrasLength !== 0 || keyLength === 0) return fail(Status.INVALID_ARGUMENTS);
        const dataLength = bodyLength - keyLength;
        if (keyLength > MAX_MECHANISM_LENGTH || dataLength > MAX_SASL_DATA) {
          return fail(Status.INVALID_ARGUMENTS);
        }
        const frameLength = HEADER_LENGTH + bodyLength;
        if (pending.length < frameLength) return "wait";
        const mechanism = new TextDecoder().decode(pending.subarray(HEADER_LENGTH, headLength));
        const data = pending.subarray(headLength, frameLength);
        this.pending = pending.subarray(frameLength);
        return this.authenticate(opcode, opaque, mechanism, data, out);
      }
      default:
        // memcached: "Auth failure." to anything else, then the connection closes.
        return fail(Status.AUTH_ERROR);
    }
  }

  private authenticate(
    opcode: number,
    opaque: number,
    mechanism: string,
    data: Uint8Array,
    out: ReplyBuffer,
  ): Step {
    const refuse = (): Step => {
      out.writeBytes(encodeError(opcode, opaque, Status.AUTH_ERROR));
      return "answered";
    };
    if (opcode === Opcode.SASL_AUTH) {
      this.started = false;
      if (mechanism !== MECHANISMS) return refuse();
      if (data.length === 0) {
        // PLAIN without an initial response: ask for it.
        this.started = true;
        writeResponse(out, { opcode, opaque, status: Status.AUTH_CONTINUE });
        return "answered";
      }
    } else if (!this.started) {
      return refuse();
    }
    this.started = false;
    const parts = splitPlain(data);
    if (parts === undefined) return refuse();
    const [authorizationId, user, password] = parts;
    // Acting as another user is not supported: the authorization id must be empty or the user.
    if (authorizationId.length > 0 && Buffer.compare(authorizationId, user) !== 0) return refuse();
    const result = this.access.authenticate(this.address, user, password);
    if (result === "ok") {
      writeResponse(out, { opcode, opaque, value: AUTHENTICATED });
      return "authenticated";
    }
    refuse();
    return result === "locked_out" ? "close" : "answered";
  }
}

/** RFC 4616: `authzid NUL authcid NUL passwd`, exactly two NULs, a user and a password. */
function splitPlain(data: Uint8Array): [Uint8Array, Uint8Array, Uint8Array] | undefined {
  const first = data.indexOf(NUL);
  if (first === -1) return undefined;
  const second = data.indexOf(NUL, first + 1);
  if (second === -1 || data.indexOf(NUL, second + 1) !== -1) return undefined;
  const user = data.subarray(first + 1, second);
  const password = data.subarray(second + 1);
  if (user.length === 0 || password.length === 0) return undefined;
  return [data.subarray(0, first), user, password];
}
