/**
 * memcached 1.6's ASCII authentication (-Y), in front of a text session.
 * Until the client authenticates, only one exchange is understood:
 *
 *     set <any key> <any flags> <any exptime> <length>\r\n<user> <password>\r\n
 *
 * answered STORED (authenticated: from then on every byte goes to the text
 * session), or one of memcached's CLIENT_ERROR lines. Any other line,
 * meta commands and quit included, is answered `CLIENT_ERROR
 * unauthenticated`. Parsing follows proto_text.c's try_read_command_asciiauth
 * byte for byte: lines are split on spaces only (a \r stays in the last
 * token), the length is read by safe_strtoul (parseUint32), the data must end in \r\n, and the
 * user and password are its first two space-separated words up to any NUL.
 * Nothing reaches the command core before authentication.
 */
import { parseUint32 } from "../protocol/numbers.ts";
import type { ReplyBuffer } from "../protocol/reply-buffer.ts";
import type { SessionState } from "../protocol/session.ts";
import { AuthGate } from "./auth-gate.ts";

/** memcached closes a connection that sent this much without a newline. */
const MAX_LINE_WITHOUT_NEWLINE = 2048;
/** memcached's read buffer: a handshake whose data does not fit closes the connection. */
const READ_BUFFER_LENGTH = 16 * 1024;
/** The set line's tokens memcached requires: set, key, flags, exptime, length. */
const HANDSHAKE_TOKENS = 5;
const LENGTH_TOKEN = 4;

const NEWLINE = 0x0a;
const SPACE = 0x20;
const CARRIAGE_RETURN = 0x0d;
const NUL = 0x00;

export const AuthReply = {
  UNAUTHENTICATED: "CLIENT_ERROR unauthenticated\r\n",
  BAD_TERMINATION: "CLIENT_ERROR bad command line termination\r\n",
  BAD_FORMAT: "CLIENT_ERROR bad authentication token format\r\n",
  FAILURE: "CLIENT_ERROR authentication failure\r\n",
  STORED: "STORED\r\n",
} as const;

interface Step {
  kind: "wait" | "answered" | "authenticated" | "close";
  reply?: string;
}

const WAIT: Step = { kind: "wait" };
const CLOSE: Step = { kind: "close" };
const answer = (reply: string): Step => ({ kind: "answered", reply });

export class AsciiAuthGate extends AuthGate {
  /** After a handshake's set line: the bytes its data takes, \r\n included. */
  private dataLength: number | undefined;

  run(out: ReplyBuffer, limit: number): SessionState {
    if (!this.authenticated) {
      // memcached reuses one response object until it writes: before
      // authentication, each reply replaces the one before it from the same
      // batch of received bytes, and only the last is sent.
      let reply: string | undefined;
      for (;;) {
        const step = this.step();
        if (step.reply !== undefined) reply = step.reply;
        if (step.kind === "close") {
          // memcached closes without sending; a lockout still says why.
          if (step.reply !== undefined) out.writeAscii(step.reply);
          return "close";
        }
        if (step.kind === "wait") {
          if (reply !== undefined) out.writeAscii(reply);
          return "idle";
        }
        if (step.kind === "authenticated") {
          out.writeAscii(reply as string);
          this.open();
          break;
        }
      }
    }
    return this.inner.run(out, limit);
  }

  /** Reads one line or handshake from the pending bytes, if they hold one. */
  private step(): Step {
    if (this.dataLength === undefined) {
      if (this.pending.length < 2) return WAIT;
      const newline = this.pending.indexOf(NEWLINE);
      if (newline === -1) return this.pending.length > MAX_LINE_WITHOUT_NEWLINE ? CLOSE : WAIT;
      const line = this.pending.subarray(0, newline);
      this.pending = this.pending.subarray(newline + 1);
      const tokens = tokenize(line);
      const length =
        tokens.length >= HANDSHAKE_TOKENS && latin1(tokens[0] as Uint8Array) === "set"
          ? parseUint32(tokens[LENGTH_TOKEN] as Uint8Array)
          : undefined;
      if (length === undefined) return answer(AuthReply.UNAUTHENTICATED);
      // memcached adds the \r\n in 32 bits.
      this.dataLength = (length + 2) >>> 0;
    }
    const dataLength = this.dataLength;
    // Data that cannot fit memcached's read buffer: it closes once the buffer is full.
    if (dataLength > READ_BUFFER_LENGTH && this.pending.length >= READ_BUFFER_LENGTH) return CLOSE;
    if (this.pending.length < dataLength) return WAIT;
    const data = this.pending.subarray(0, dataLength);
    this.pending = this.pending.subarray(dataLength);
    this.dataLength = undefined;
    if (
      dataLength < 2 ||
      data[dataLength - 2] !== CARRIAGE_RETURN ||
      data[dataLength - 1] !== NEWLINE
    ) {
      return answer(AuthReply.BAD_TERMINATION);
    }
    const words = tokenize(data.subarray(0, dataLength - 2));
    if (words.length < 2) return answer(AuthReply.BAD_FORMAT);
    const result = this.access.authenticate(
      this.address,
      words[0] as Uint8Array,
      words[1] as Uint8Array,
    );
    if (result === "ok") return { kind: "authenticated", reply: AuthReply.STORED };
    if (result === "locked_out") return { kind: "close", reply: AuthReply.FAILURE };
    return answer(AuthReply.FAILURE);
  }
}

/** memcached's tokenize_command: the bytes up to the first NUL, split on runs of spaces. */
function tokenize(bytes: Uint8Array): Uint8Array[] {
  const nul = bytes.indexOf(NUL);
  const text = nul === -1 ? bytes : bytes.subarray(0, nul);
  const tokens: Uint8Array[] = [];
  let start = 0;
  for (let index = 0; index <= text.length; index++) {
    if (index === text.length || text[index] === SPACE) {
      if (index > start) tokens.push(text.subarray(start, index));
      start = index + 1;
    }
  }
  return tokens;
}

function latin1(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}
