/**
 * One client of the memcached port: its protocol session, the replies it
 * has not been sent yet, and whether it is paused or closing. It moves
 * bytes between the socket and the session, holds replies until the writes
 * they acknowledge are durable, and bounds the client's unread output.
 *
 * The first byte a client sends picks its protocol: 0x80 is memcached's
 * binary request magic, anything else is the text protocol (classic and
 * meta commands). The server (server.ts) accepts, limits and sweeps
 * connections; everything about one client is here.
 */
import type { Socket } from "bun";
import { Magic } from "../protocol/binary/constants.ts";
import { BinarySession } from "../protocol/binary/session.ts";
import type { CommandCore } from "../protocol/command-core.ts";
import { ReplyBuffer } from "../protocol/reply-buffer.ts";
import type { ProtocolSession } from "../protocol/session.ts";
import { logStorageError } from "../protocol/storage-errors.ts";
import { TextSession } from "../protocol/text/session.ts";

/**
 * Replies waiting for a slow reader beyond this size stop the connection's
 * processing and reading until the socket drains: a client that pipelines
 * requests but never reads cannot make the server buffer without bound.
 */
export const MAX_PENDING_OUTPUT_BYTES = 4 * 1024 * 1024;

/** Makes the session for a client at `address` whose first byte is `firstByte`. */
export type SessionFactory = (
  firstByte: number,
  core: CommandCore,
  address: string,
) => ProtocolSession;

/** As memcached: a first byte of 0x80 means binary for the connection's whole life, else text. */
export const protocolSessions: SessionFactory = (firstByte, core) =>
  firstByte === Magic.REQUEST ? new BinarySession(core) : new TextSession(core);

export class Connection {
  private readonly socket: Socket<Connection>;
  private readonly core: CommandCore;
  private readonly sessions: SessionFactory;
  /** Chosen by the first byte received. */
  private session: ProtocolSession | undefined;
  private readonly replies = new ReplyBuffer();
  /** Bytes handed to socket.write that it did not take yet, oldest first. */
  private unsent: Uint8Array[] = [];
  private unsentBytes = 0;
  /** Replies are held until the group commit they depend on is done. */
  private waitingForCommit = false;
  /** Reading is paused because too many replies wait for this client. */
  private paused = false;
  /** Close once everything already answered is sent (quit, protocol violation). */
  private closing = false;
  /** When the client last sent bytes or took replies, for --idle-timeout. */
  lastActiveMs = Date.now();

  constructor(socket: Socket<Connection>, core: CommandCore, sessions: SessionFactory) {
    this.socket = socket;
    this.core = core;
    this.sessions = sessions;
  }

  /** Bytes from the client: parse and answer what is complete. */
  receive(chunk: Uint8Array): void {
    if (this.closing || chunk.length === 0) return;
    this.lastActiveMs = Date.now();
    this.core.stats.counters.bytes_read += chunk.length;
    this.session ??= this.sessions(chunk[0] as number, this.core, this.socket.remoteAddress);
    this.session.push(chunk);
    this.process();
  }

  /** The socket can take more: send what waits, then go on if paused. */
  drain(): void {
    this.lastActiveMs = Date.now();
    while (this.unsent.length > 0) {
      const bytes = this.unsent[0] as Uint8Array;
      const written = this.socket.write(bytes);
      if (written < 0) return;
      this.unsentBytes -= written;
      if (written < bytes.length) {
        this.unsent[0] = bytes.subarray(written);
        return;
      }
      this.unsent.shift();
    }
    this.afterAllSent();
  }

  /** Shutdown: send what was already answered, then close. */
  finish(): void {
    this.flush();
    this.socket.end();
  }

  /** The peer went away: stop all work for it. */
  abandon(): void {
    this.closing = true;
    this.unsent = [];
    this.unsentBytes = 0;
  }

  /** Runs every complete request, unless this client already has too much unread output. */
  private process(): void {
    const session = this.session;
    if (session === undefined) return;
    while (!this.closing) {
      const limit = MAX_PENDING_OUTPUT_BYTES - this.unsentBytes;
      if (this.replies.byteLength > limit) {
        this.pause();
        break;
      }
      const state = session.run(this.replies, limit);
      if (state === "close") this.closing = true;
      else if (state === "idle") break;
    }
    this.flush();
  }

  /** Sends the collected replies now, or once the writes they acknowledge are durable. */
  private flush(): void {
    if (this.waitingForCommit) return;
    const store = this.core.store;
    if (!store.hasPendingWrites) {
      this.send();
      return;
    }
    this.waitingForCommit = true;
    store.whenDurable((failure) => {
      this.waitingForCommit = false;
      if (failure === undefined) {
        this.replies.confirmAcknowledgements();
      } else {
        // A failed commit (disk full) is the operator's business too, not only the client's.
        logStorageError(failure);
        const reply = this.session?.commitFailureReply(failure);
        if (reply !== undefined) this.replies.replaceAcknowledgements(reply);
      }
      this.send();
    });
  }

  private send(): void {
    const bytes = this.replies.take();
    if (bytes.length > 0) {
      this.core.stats.counters.bytes_written += bytes.length;
      if (this.unsent.length === 0) {
        const written = this.socket.write(bytes);
        if (written < 0) {
          // The client is gone: answering the rest of its requests is wasted work.
          this.abandon();
          return;
        }
        if (written < bytes.length) this.keepUnsent(bytes.subarray(written));
      } else {
        this.keepUnsent(bytes);
      }
    }
    if (this.unsent.length === 0) this.afterAllSent();
  }

  /** Everything answered so far is in the kernel: close, or read again if paused. */
  private afterAllSent(): void {
    // Replies still wait for their commit: nothing to close or resume yet.
    // (A drain also comes unasked, as TLS sockets do after the handshake.)
    if (this.waitingForCommit) return;
    if (this.closing) {
      this.socket.end();
    } else if (this.paused) {
      this.paused = false;
      this.socket.resume();
      // On the next turn, not in a microtask: a multiget of gigabytes is
      // answered 4 MiB at a time, and other connections get their turn between.
      setImmediate(() => this.process());
    }
  }

  private keepUnsent(bytes: Uint8Array): void {
    // The reply buffer is reused after take(): keep a copy.
    this.unsent.push(bytes.slice());
    this.unsentBytes += bytes.length;
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.socket.pause();
  }
}
